/// The version of this Eddy host.
enum EddyVersion {
    static let host = "0.1.0"

    /// The Swift compiler that built this host (plugins must come from the same one).
    static var swiftToolchain: String {
        #if compiler(>=6.4)
            return "newer than 6.3"
        #elseif compiler(>=6.3.1)
            return "6.3.1"
        #elseif compiler(>=6.3)
            return "6.3.0"
        #else
            return "older than 6.3"
        #endif
    }
}
