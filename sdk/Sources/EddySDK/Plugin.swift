/// A plugin: a named, versioned set of processors and typed functions, exported to the host
/// with one line.
///
/// ```swift
/// enum WordCountPlugin: Plugin {
///     static let name = "wordcount"
///     static let version = "1.0.0"
///     static let processors: [any Processor.Type] = [WordCounter.self]
/// }
///
/// @_cdecl("eddy_plugin_v1") public func eddyPlugin() -> UnsafeRawPointer { WordCountPlugin.export() }
/// ```
public protocol Plugin {
    /// Plugin name; with `version`, the key of the host's plugin registry.
    static var name: String { get }
    /// Plugin version, e.g. "1.2.0".
    static var version: String { get }
    /// One line of documentation.
    static var doc: String? { get }
    /// The processors this plugin offers.
    static var processors: [any Processor.Type] { get }
    /// The typed functions this plugin offers to declarative topologies.
    static var functions: [TypedFunction] { get }
    /// Streams DSL functions an application file's nodes call by name.
    static var streamFunctions: [StreamFunction] { get }
    /// Builds the Streams DSL topology this plugin exports (applications run it with
    /// `topology: {plugin: <name>}`); by default none. Called once, when the plugin is
    /// first exported; the processors its `process` nodes run are exported too.
    static func topology(_ builder: StreamsBuilder)
}

extension Plugin {
    public static var doc: String? { nil }
    public static var processors: [any Processor.Type] { [] }
    public static var functions: [TypedFunction] { [] }
    public static var streamFunctions: [StreamFunction] { [] }
    public static func topology(_ builder: StreamsBuilder) {}

    /// The plugin's static `eddy_plugin` descriptor: return it from the `eddy_plugin_v1`
    /// entry. Built on first use and the same pointer on every call.
    public static func export() -> UnsafeRawPointer {
        UnsafeRawPointer(DescriptorCache.shared.descriptor(for: Self.self))
    }

    /// The descriptor as its C type, for hosts and the test driver.
    public static var descriptor: UnsafePointer<eddy_plugin> {
        DescriptorCache.shared.descriptor(for: Self.self)
    }
}
