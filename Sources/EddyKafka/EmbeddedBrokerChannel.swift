#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The line protocol on `eddy-broker`'s stdin and stdout: one command line in, one reply
/// line out (`ok [VALUE]` or `error: REASON`). Not thread-safe: ``EmbeddedBroker`` serializes.
final class EmbeddedBrokerChannel {
    private let input: Int32
    private let output: Int32
    private var buffered: [UInt8] = []

    init(input: Int32, output: Int32) {
        self.input = input
        self.output = output
    }

    /// Sends `command` and returns the value of the `ok` reply (empty when there is none).
    func request(_ command: String, timeout: Duration) throws(EmbeddedBrokerError) -> String {
        guard !command.contains("\n") else {
            throw .control(command: command, reason: "a command is a single line")
        }
        let line = Array((command + "\n").utf8)
        var written = 0
        while written < line.count {
            let n = line[written...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .control(
                    command: command, reason: "the broker is gone (write: \(String(cString: strerror(errno))))")
            }
            written += n
        }
        let reply: String
        do {
            reply = try readLine(timeout: timeout)
        } catch {
            throw .control(command: command, reason: "\(error)")
        }
        if reply == "ok" { return "" }
        if reply.hasPrefix("ok ") { return String(reply.dropFirst(3)) }
        if reply.hasPrefix("error: ") { throw .control(command: command, reason: String(reply.dropFirst(7))) }
        throw .control(command: command, reason: "unexpected reply '\(reply)'")
    }

    /// Reads one line (without its newline), waiting at most `timeout`.
    func readLine(timeout: Duration) throws(EmbeddedBrokerChannelError) -> String {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            if let newline = buffered.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffered[..<newline], as: UTF8.self)
                buffered.removeSubrange(...newline)
                return line
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw .timedOut(timeout) }
            var pfd = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, left.milliseconds &+ 1)
            if ready < 0 {
                if errno == EINTR { continue }
                throw .closed("poll: \(String(cString: strerror(errno)))")
            }
            guard ready > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .closed("read: \(String(cString: strerror(errno)))")
            }
            guard n > 0 else { throw .closed("it exited") }
            buffered.append(contentsOf: chunk[..<n])
        }
    }
}

/// Why no line came from the broker.
enum EmbeddedBrokerChannelError: Error, CustomStringConvertible {
    case timedOut(Duration)
    case closed(String)

    var description: String {
        switch self {
        case .timedOut(let timeout): return "no answer within \(timeout)"
        case .closed(let reason): return "its output closed (\(reason))"
        }
    }
}
