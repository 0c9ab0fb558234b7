import EddySDK

/// Splits each text value into lower-case words and forwards each word as both key and
/// value: the first half of Kafka Streams' word count (`flatMapValues` + `groupBy(word)`),
/// to be followed by a repartition and ``KeyCounter``.
public struct WordSplitter: Processor {
    public static let name = "split"
    public static let doc: String? = "Splits text values into lower-case words; forwards word -> word."

    private let context: ProcessorContext

    public init(context: ProcessorContext) throws {
        self.context = context
    }

    public mutating func process(_ record: Record) throws {
        guard let text = try record.value(.string) else { return }
        for word in WordCounter.words(in: text) {
            try context.forward(
                key: word, value: word, keySerde: .string, valueSerde: .string, timestamp: record.timestamp)
        }
    }
}
