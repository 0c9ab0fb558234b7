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
