/// A mistake in an application file, located by file, line and key, with the fix.
public struct AppConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file the mistake is in.
    public var file: String
    /// The 1-based line, when known.
    public var line: Int?
    /// The dotted key path, e.g. `topology.processors[1].plugin`.
    public var key: String
    /// What is wrong and what to do about it.
    public var message: String

    public init(file: String, line: Int?, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        "\(file)\(line.map { ":\($0)" } ?? ""): \(key.isEmpty ? "" : "\(key): ")\(message)"
    }
}
