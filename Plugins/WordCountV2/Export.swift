import EddySDK
import WordCount

/// A second build of the `wordcount` plugin: the same processors under version 2.0.0 (its
/// DSL topology has another shape). Dropping
/// `libWordCountV2.so` into a running worker's `plugins.dir` as `libWordCount.so` shows a hot
/// reload: outputs then carry the new build's `eddy.plugin.version` header, and counts go on
/// from the state the first build left.
public enum WordCountV2Plugin: Plugin {
    public static let name = "wordcount"
    public static let version = "2.0.0"
    public static let doc: String? = "Word counting, second build (for hot-reload demos and tests)."
    public static var processors: [any Processor.Type] { WordCountPlugin.processors }
    public static var streamFunctions: [StreamFunction] { WordCountPlugin.streamFunctions }
    /// The DSL word count with a line count beside it: a topology of another shape (a new
    /// node and store), which a reload of a running DSL word count refuses.
    public static func topology(_ builder: StreamsBuilder) { WordCountTopology.build(builder, countingLines: true) }
}

@_cdecl("eddy_plugin_v1")
public func eddyPlugin() -> UnsafeRawPointer { WordCountV2Plugin.export() }
