/// Why a plugin was refused once its file passed the checks of ``PluginFileError``: the
/// plugin cache could not be written, `dlopen` failed, or the code it loaded (entry symbol,
/// ABI, toolchain, descriptor) is not one this host runs. Every message says what is wrong
/// and what to do.
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
