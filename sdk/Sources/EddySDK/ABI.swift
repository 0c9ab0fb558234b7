@_exported import CEddyABI

/// The version of the Eddy processor ABI this SDK speaks (`EDDY_ABI_MAJOR`/`EDDY_ABI_MINOR`
/// in `eddy.h`).
public enum ABIVersion {
    /// Incompatible changes raise the major version; it is also in the entry symbol's name.
    public static let major: UInt32 = UInt32(EDDY_ABI_MAJOR)
    /// Appended struct fields raise the minor version.
    public static let minor: UInt32 = UInt32(EDDY_ABI_MINOR)
    /// The name of the symbol every plugin exports, `eddy_plugin_v1`.
    public static let entrySymbol = EDDY_ENTRY_SYMBOL
    /// `"1.2"`, for display.
    public static var description: String { "\(major).\(minor)" }
}
