import EddyHost
import EddyKafka
import EddyPlugins

/// Which build of a plugin produced something: its name and declared version plus the
/// first 12 hex digits of the file's sha256, since two builds may declare the same version.
public struct PluginVersion: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let version: String
    public let sha256: String

    public init(_ plugin: LoadedPlugin) {
        name = plugin.name
        version = plugin.version
        sha256 = plugin.sha256
    }

    /// e.g. `wordcount 1.0.0+3f2a9c01b7de`.
    public var description: String { "\(name) \(version)+\(sha256.prefix(12))" }

    /// The output header naming this build (`eddy.plugin.version`).
    var header: KafkaHeader { KafkaHeader(key: PluginVersion.headerKey, string: description) }

    public static let headerKey = "eddy.plugin.version"
}

/// A plugin processor node of a task: the live instance, which a hot reload replaces in place.
final class PluginNode {
    /// The plugin's name in the topology (its file name, e.g. `WordCount`).
    let plugin: String
    let processor: String
    /// The processor config as the application file gives it.
    let config: [String: String]
    private(set) var instance: ProcessorInstance
    private(set) var version: PluginVersion
    /// `[eddy.plugin.version]`, built once per build so outputs without headers of their
    /// own share it instead of allocating an array per record.
    private(set) var versionHeaders: [KafkaHeader]
    /// Records this instance processed since it was installed.
    var processed = 0

    init(plugin: String, processor: String, config: [String: String], instance: ProcessorInstance, version: PluginVersion) {
        self.plugin = plugin
        self.processor = processor
        self.config = config
        self.instance = instance
        self.version = version
        self.versionHeaders = [version.header]
    }

    /// `name version+sha` for error reports.
    var label: String { version.description }

    /// Installs `instance` of `version` and returns the one it replaces (not yet closed),
    /// with the number of records that one processed.
    func replace(with instance: ProcessorInstance, version: PluginVersion) -> (old: ProcessorInstance, processed: Int) {
        defer {
            self.instance = instance
            self.version = version
            self.versionHeaders = [version.header]
            processed = 0
        }
        return (self.instance, processed)
    }
}
