import EddyTestSupport
import Foundation
import Testing

/// A temporary plugin directory and plugin cache for one test, plus ways to put plugins in
/// it: the ones this package builds, and C plugins compiled on the spot with `cc`.
final class PluginFixture {
    let root: String
    let pluginDirectory: String
    let cacheDirectory: String

    private let directory = TemporaryDirectory("eddy-plugins")

    init() throws {
        root = directory.path
        pluginDirectory = root + "/plugins"
        cacheDirectory = root + "/cache"
        try FileManager.default.createDirectory(atPath: pluginDirectory, withIntermediateDirectories: true)
    }

    /// The build products directory (`swift build --build-tests` puts the plugin libraries
    /// next to the test runner).
    static var productsDirectory: String { ProcessRunner.productsDirectory }

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
        try CPlugin.compile(sourcePath, to: output)
        return output
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
