import Foundation

/// Plain-C plugins compiled on the spot against `eddy.h` alone, as a non-Swift plugin author
/// would build one: for refusal, compatibility and wrong-build tests.
public enum CPlugin {
    /// The repository's `sdk/include`.
    public static let sdkInclude: String = {
        let support = (#filePath as NSString).deletingLastPathComponent
        return ((support as NSString).appendingPathComponent("../../sdk/include") as NSString).standardizingPath
    }()

    /// Compiles the C file at `source` into the shared object `output` (mode 0755), with the
    /// preprocessor symbols `defines`, throwing the compiler's message when it fails.
    public static func compile(_ source: String, to output: String, defines: [String] = []) throws {
        let result = try ProcessRunner.run(
            "/usr/bin/cc",
            ["-shared", "-fPIC", "-O1", "-I", sdkInclude] + defines.map { "-D" + $0 } + ["-o", output, source])
        guard result.status == 0 else {
            throw ProcessRunner.Failure(description: "cc failed for \(source): \(result.stderr)")
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: output)
    }
}
