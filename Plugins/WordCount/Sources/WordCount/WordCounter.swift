import EddySDK

/// Counts words: splits each text value into lower-case words, adds one per word to the
/// `counts` store, and forwards `word → running count` (string key, big-endian i64 value).
public struct WordCounter: Processor {
    public static let name = "word-count"
    public static let doc: String? = "Splits text values into lower-case words and forwards word -> running count."
    public static let stores: [StoreDeclaration] = [.keyValue("counts", key: .string, value: .int64)]

    private let context: ProcessorContext
    private let counts: KeyValueStore<StringSerde, BigEndianIntegerSerde<Int64>>

    public init(context: ProcessorContext) throws {
        self.context = context
        self.counts = try context.keyValueStore("counts", key: .string, value: .int64)
    }

    public mutating func process(_ record: Record) throws {
        guard let text = try record.value(.string) else { return }
        for word in Self.words(in: text) {
            let count = (try counts.get(word) ?? 0) + 1
            try counts.put(word, count)
            try context.forward(
                key: word, value: count, keySerde: .string, valueSerde: .int64, timestamp: record.timestamp)
        }
    }

    /// The lower-case words of `text`: maximal runs of letters and digits.
    public static func words(in text: String) -> [String] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }
}
