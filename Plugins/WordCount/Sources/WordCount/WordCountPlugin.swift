import EddySDK

/// The `wordcount` plugin: word splitting and counting, a key counter, a windowed counter, a
/// session counter, an activity reporter and a passthrough (the Processor API); the same word count as a
/// Streams DSL topology; and stream functions for application files.
public enum WordCountPlugin: Plugin {
    public static let name = "wordcount"
    public static let version = "1.0.0"
    public static let doc: String? = "Word counting, the hello world of stream processing."
    public static var processors: [any Processor.Type] {
        [
            WordCounter.self, WordSplitter.self, KeyCounter.self, ActivityReporter.self, Passthrough.self,
            WindowedCounter.self, SessionCounter.self,
        ]
    }
    public static var streamFunctions: [StreamFunction] { WordCountTopology.streamFunctions }
    public static func topology(_ builder: StreamsBuilder) { WordCountTopology.build(builder) }
}
