import EddyTestSupport
import Foundation
import Testing

/// A temporary plugin directory and plugin cache for one test, plus ways to put plugins in
/// it: the ones this package builds, and C plugins compiled on the spot with `cc`.
final class PluginFixture {
    let root: String
    let pluginDirectory: String
    let cacheDirectory: String

    init() throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("eddy-plugins-\(UUID().uuidString)").path
        pluginDirectory = root + "/plugins"
        cacheDirectory = root + "/cache"
        try FileManager.default.createDirectory(atPath: pluginDirectory, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The build products directory (`swift build --build-tests` puts the plugin libraries
    /// next to the test runner).
    static var productsDirectory: String { ProcessRunner.productsDirectory }

    /// The repository's `sdk/include`, for compiling C plugins from the header alone.
    static var sdkInclude: String {
        let tests = (#filePath as NSString).deletingLastPathComponent
        return ((tests as NSString).appendingPathComponent("../../sdk/include") as NSString).standardizingPath
    }

    /// Copies the built `lib<product>.so` into the plugin directory and returns its path.
    func install(product: String) throws -> String {
        let source = Self.productsDirectory + "/lib\(product).so"
        guard FileManager.default.fileExists(atPath: source) else {
            throw FixtureError("\(source) is missing — build the plugins first (swift build --build-tests)")
        }
        let target = pluginDirectory + "/lib\(product).so"
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: source, toPath: target)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: target)
        return target
    }

    /// Compiles C `source` against `eddy.h` into `<plugin directory>/<name>` and returns its path.
    func compileC(_ source: String, as name: String) throws -> String {
        let sourcePath = root + "/\(name).c"
        try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        let output = pluginDirectory + "/" + name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-shared", "-fPIC", "-O1", "-I", Self.sdkInclude, "-o", output, sourcePath]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else { throw FixtureError("cc failed for \(name): \(message)") }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: output)
        return output
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
