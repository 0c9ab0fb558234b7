import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Watches `plugins.dir` with inotify and reloads a plugin when a new build of its file
/// appears there (written and closed, or moved in), once the file has stopped changing.
final class PluginWatcher: @unchecked Sendable {
    private let directory: String
    private let logger: Logger
    private let fd: Int32
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// How long a file must stay the same size and age before it is loaded.
    static let settle: Duration = .milliseconds(200)

    /// Starts watching; `onChange` runs on the watcher's thread with the plugin name.
    init(
        directory: String, plugins: @escaping @Sendable () -> [String], logger: Logger,
        onChange: @escaping @Sendable (String) -> Void
    ) throws {
        self.directory = directory
        self.logger = logger
        fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0, inotify_add_watch(fd, directory, UInt32(IN_CLOSE_WRITE | IN_MOVED_TO)) >= 0 else {
            throw ProcessingFailed(
                description: "cannot watch plugins.dir \(directory): \(String(cString: strerror(errno)))")
        }
        let thread = Thread { [self] in
            watch(plugins: plugins, onChange: onChange)
            finished.signal()
        }
        thread.name = "eddy-plugin-watcher"
        thread.start()
    }

    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
        close(fd)
    }

    private func watch(plugins: @Sendable () -> [String], onChange: @Sendable (String) -> Void) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var pending: Set<String> = []
        while !stopped.load(ordering: .relaxed) {
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let waitMs =
                pending.isEmpty
                ? 200
                : Int32(
                    Self.settle.components.seconds * 1000 + Self.settle.components.attoseconds / 1_000_000_000_000_000)
            if poll(&ready, 1, waitMs) > 0 {
                let count = read(fd, &buffer, buffer.count)
                guard count > 0 else { continue }
                for name in Self.names(in: buffer[..<count]) {
                    if let plugin = plugins().first(where: { PluginSet.fileNames(of: $0).contains(name) }) {
                        pending.insert(plugin)
                    }
                }
                continue
            }
            // Quiet for a settle period: every pending file is complete.
            for plugin in pending.sorted() {
                logger.info("a new build of \(plugin) appeared in \(directory)")
                onChange(plugin)
            }
            pending.removeAll()
        }
    }

    /// The file names of the `inotify_event`s in `bytes`.
    static func names(in bytes: ArraySlice<UInt8>) -> [String] {
        var names: [String] = []
        bytes.withUnsafeBytes { raw in
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= raw.count {
                let length = Int(raw.load(fromByteOffset: offset + 12, as: UInt32.self))
                let nameBytes = raw[(offset + header)..<min(offset + header + length, raw.count)].prefix { $0 != 0 }
                if !nameBytes.isEmpty { names.append(String(decoding: nameBytes, as: UTF8.self)) }
                offset += header + length
            }
        }
        return names
    }
}
