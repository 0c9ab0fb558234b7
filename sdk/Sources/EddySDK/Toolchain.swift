/// The toolchain fingerprint: which compiler built this code.
///
/// Swift has no stable ABI on Linux, so a Swift plugin and the host that loads it must come
/// from the same toolchain. The fingerprint is fixed at compile time, from two sources that
/// both change with every toolchain: the Swift compiler version (`#if compiler(...)`) and the
/// identity of the clang embedded in `swiftc` (its version string names the exact
/// llvm-project commit), read through `eddy_compiler_identity()` in `eddy.h`.
///
/// Format: `swift-<version>; <clang identity>`, for example
/// `swift-6.3.1; Clang 21.0.0 (https://github.com/swiftlang/llvm-project.git 11673e66…)`.
public enum Toolchain {
    /// The fingerprint of the toolchain that compiled this module.
    public static let fingerprint: String =
        "swift-\(swiftVersion); \(String(cString: eddy_compiler_identity()))"

    /// The Swift compiler version that compiled this module, e.g. `6.3.1`.
    public static let swiftVersion: String = compilerVersion()

    /// The Swift version named by a fingerprint (`swift-6.2; …` gives `6.2`), or `nil` when
    /// the fingerprint is not a Swift one (for example `none`, a plain-C plugin).
    public static func swiftVersion(ofFingerprint fingerprint: String) -> String? {
        guard fingerprint.hasPrefix("swift-") else { return nil }
        let rest = fingerprint.dropFirst("swift-".count)
        return String(rest.prefix { $0 != ";" })
    }

    private static func compilerVersion() -> String {
        #if compiler(>=7.0)
            return "7.0+"
        #elseif compiler(>=6.5)
            return "6.5+"
        #elseif compiler(>=6.4.3)
            return "6.4.3+"
        #elseif compiler(>=6.4.2)
            return "6.4.2"
        #elseif compiler(>=6.4.1)
            return "6.4.1"
        #elseif compiler(>=6.4)
            return "6.4"
        #elseif compiler(>=6.3.3)
            return "6.3.3+"
        #elseif compiler(>=6.3.2)
            return "6.3.2"
        #elseif compiler(>=6.3.1)
            return "6.3.1"
        #elseif compiler(>=6.3)
            return "6.3"
        #elseif compiler(>=6.2.4)
            return "6.2.4+"
        #elseif compiler(>=6.2.3)
            return "6.2.3"
        #elseif compiler(>=6.2.2)
            return "6.2.2"
        #elseif compiler(>=6.2.1)
            return "6.2.1"
        #elseif compiler(>=6.2)
            return "6.2"
        #elseif compiler(>=6.1.3)
            return "6.1.3+"
        #elseif compiler(>=6.1.2)
            return "6.1.2"
        #elseif compiler(>=6.1.1)
            return "6.1.1"
        #else
            return "6.1"
        #endif
    }
}
