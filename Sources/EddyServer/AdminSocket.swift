import EddyRuntime
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A worker's local admin endpoint: a Unix-domain socket readable and writable by its owner
/// only (so it is never reachable from another machine or another user), answering one JSON
/// line per request line:
///
/// - `reload NAME [FILE]` — swap plugin NAME to the build in FILE (default: its file in
///   `plugins.dir`);
/// - `rollback NAME` — swap back to the previous build;
/// - `status` — every plugin's current build, the builds held in memory and the last refusal.
public final class AdminSocket: @unchecked Sendable {
    public let path: String
    private let app: StreamsApp
    private let logger: Logger
    private let descriptor: Int32
    private let stopped = Atomic<Bool>(false)

    /// The socket path of a worker: `<state.dir>/<application.id>/admin.sock` (one worker runs
    /// on a state directory at a time).
    public static func path(for config: AppConfig) -> String {
        "\(config.stateDir)/\(config.applicationId)/admin.sock"
    }

    /// Binds the socket (replacing a stale one) and serves it on a thread of its own.
    public init(app: StreamsApp, logger: Logger) throws {
        self.app = app
        self.logger = logger
        path = Self.path(for: app.config)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        unlink(path)
        descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else {
            throw AdminSocketError("cannot create the admin socket: \(String(cString: strerror(errno)))")
        }
        var address = try Self.address(path)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, chmod(path, 0o600) == 0, listen(descriptor, 8) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw AdminSocketError("cannot listen on \(path): \(reason)")
        }
        let thread = Thread { [self] in serve() }
        thread.name = "eddy-admin"
        thread.start()
    }

    deinit { stop() }

    /// Stops serving and removes the socket file.
    public func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        shutdown(descriptor, Int32(SHUT_RDWR))
        close(descriptor)
        unlink(path)
    }

    private func serve() {
        while !stopped.load(ordering: .relaxed) {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else { continue }
            defer { close(connection) }
            guard let line = Self.readLine(connection) else { continue }
            Self.write(connection, respond(to: line) + "\n")
        }
    }

    private func respond(to line: String) -> String {
        let words = line.split(separator: " ").map(String.init)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        func json(_ object: [String: String]) -> String {
            String(decoding: (try? encoder.encode(object)) ?? Data(), as: UTF8.self)
        }
        do {
            switch (words.first, words.count) {
            case ("reload", 2), ("reload", 3):
                guard let report = try app.reload(words[1], file: words.count == 3 ? words[2] : nil) else {
                    return json([
                        "result": "unchanged", "message": "\(words[1]): the file is the build already running",
                    ])
                }
                return json(["result": "reloaded", "message": report.description])
            case ("rollback", 2):
                return json(["result": "rolled back", "message": try app.rollback(words[1]).description])
            case ("status", 1):
                return String(decoding: (try? encoder.encode(app.pluginStatus())) ?? Data(), as: UTF8.self)
            default:
                return json(["error": "unknown request '\(line)': use reload NAME [FILE], rollback NAME or status"])
            }
        } catch {
            return json(["error": "\(error)"])
        }
    }

    // MARK: - Client

    /// Sends one request to the worker listening at `path` and returns its answer line.
    public static func request(_ line: String, path: String, timeout: Duration = .seconds(120)) throws -> String {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw AdminSocketError("cannot create a socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = try address(path)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else {
            throw AdminSocketError(
                "no worker answers at \(path) (\(String(cString: strerror(errno)))) — is `eddy run` running with this app file and instance id?"
            )
        }
        var limit = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        write(fd, line + "\n")
        guard let answer = readLine(fd) else {
            throw AdminSocketError("the worker at \(path) did not answer within \(timeout)")
        }
        return answer
    }

    // MARK: - Private

    private static func address(_ path: String) throws -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw AdminSocketError(
                "the admin socket path \(path) is too long for a Unix socket; use a shorter state.dir")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
        return address
    }

    private static func readLine(_ fd: Int32) -> String? {
        var data: [UInt8] = []
        var byte: UInt8 = 0
        while read(fd, &byte, 1) == 1 {
            if byte == 0x0A { return String(decoding: data, as: UTF8.self) }
            data.append(byte)
        }
        return data.isEmpty ? nil : String(decoding: data, as: UTF8.self)
    }

    private static func write(_ fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                guard n > 0 else { return }
                offset += n
            }
        }
    }
}

/// The admin socket could not be served or reached.
public struct AdminSocketError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
