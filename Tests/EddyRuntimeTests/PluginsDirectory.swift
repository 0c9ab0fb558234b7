import EddyTestSupport
import Foundation

/// A private `plugins.dir` inside a test's directory, for tests that put new builds of a
/// plugin where a running worker watches (the build products directory is shared by all).
struct PluginsDirectory {
    let path: String

    /// Creates `<dir>/plugins` holding copies of the built libraries `installed`.
    init(in dir: TemporaryDirectory, installing installed: [String]) throws {
        path = (dir.path as NSString).appendingPathComponent("plugins")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        for built in installed { try install(built) }
    }

    /// Copies the built library `built` here under `name` (its own name unless given): written
    /// to a temporary name and renamed, as a deployment would, so a watcher never sees half a file.
    func install(_ built: String, as name: String? = nil) throws {
        let name = name ?? built
        let temporary = (path as NSString).appendingPathComponent(".\(name).tmp")
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.copyItem(
            atPath: (productsDirectory as NSString).appendingPathComponent(built), toPath: temporary)
        _ = rename(temporary, (path as NSString).appendingPathComponent(name))
    }
}

extension String {
    /// This application file (from ``appYAML``) with its `plugins.dir` pointed at `plugins`.
    func using(_ plugins: PluginsDirectory) -> String {
        replacingOccurrences(of: "plugins.dir: \(productsDirectory)", with: "plugins.dir: \(plugins.path)")
    }
}
