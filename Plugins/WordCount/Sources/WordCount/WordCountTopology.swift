import EddySDK

/// Word count in the Streams DSL, as Kafka Streams' WordCountDemo writes it: split each line
/// into words, group by word (which repartitions through `<application.id>-words-repartition`),
/// count into the `word-counts-dsl` store, and write every new count to `word-counts`
/// (string keys, big-endian i64 counts): the same records the `split` → repartition →
/// `count` processors give.
public enum WordCountTopology {
    /// Builds the topology; `countingLines` adds a second count (lines per first word) with a
    /// store of its own, a topology of another shape for reload tests.
    public static func build(_ builder: StreamsBuilder, countingLines: Bool = false) {
        let lines = builder.stream("text-input", key: .bytes, value: .string, named: "lines")
        lines
            .flatMapValues(.string, named: "split") { line in WordCounter.words(in: line) }
            .groupBy(.string, named: "words") { _, word in word }
            .count(.as("word-counts-dsl"), named: "count")
            .toStream(named: "counts")
            .to("word-counts", named: "out")
        guard countingLines else { return }
        lines
            .groupBy(.string, named: "first-words") { _, line in WordCounter.words(in: line).first ?? "" }
            .count(.as("line-counts"), named: "count-lines")
            .toStream(named: "line-updates")
            .to("line-counts", named: "lines-out")
    }

    /// The stream functions an application file calls: `split-words` (`flat_map_values`:
    /// lower-case words of a text value) and `word-key` (`select_key`/`group_by`: the value,
    /// a word, as the key).
    public static let streamFunctions: [StreamFunction] = [
        .flatMapValues("split-words", key: .bytes, value: .string, output: .string) { line in
            WordCounter.words(in: line)
        },
        .selectKey("word-key", key: .bytes, value: .string, output: .string) { _, word in word },
    ]
}
