import Foundation

/// A fresh directory under the system temp directory, removed with everything in it when the
/// value goes away.
public final class TemporaryDirectory {
    public let path: String

    public init(_ prefix: String = "eddy-test") {
        path = FileManager.default.temporaryDirectory.appendingPathComponent(uniqueName(prefix)).path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` inside the directory and returns the file's path.
    public func write(_ name: String, _ text: String) throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }
}
