/// Why a plugin file was refused. Every case says what is wrong and what to do.
public struct PluginLoadError: Error, CustomStringConvertible, Equatable {
    /// The refused file.
    public let path: String
    /// The full message, ready for an operator.
    public let description: String

    init(path: String, _ message: String) {
        self.path = path
        self.description = message
    }
}
