import EddyPlugins

/// One typed function of an isolated plugin, on the worker's side: the calls of a run of
/// records go to the calling thread's process of the build in one request
/// (``Request/callFunction``), and come back as one ``Call/result`` each.
///
/// A function is plain code with no host calls, so nothing else comes back. When the process
/// dies or hangs, the failure is recorded for the thread (``PluginCrashes``) and thrown: the
/// stream thread restarts the process and reprocesses from the last commit, as for a
/// processor.
final class IsolatedFunction: TypedFunctionRunner, @unchecked Sendable {
    let build: IsolatedBuild
    let name: String

    init(build: IsolatedBuild, name: String) {
        self.build = build
        self.name = name
    }

    func run(_ batch: inout TypedCallBatch) throws {
        batch.results.removeAll(keepingCapacity: true)
        batch.results.append(contentsOf: repeatElement(.void, count: batch.count))
        do {
            let process = try build.process()
            var first = 0
            while first < batch.count {
                first = try send(from: first, of: &batch, to: process)
            }
        } catch let failure as PluginProcessFailure {
            PluginCrashes.record(failure)
            throw failure
        }
    }

    /// Sends the calls from `first` on that fit one request, applies their results, and
    /// returns the first call not sent.
    private func send(from first: Int, of batch: inout TypedCallBatch, to process: PluginProcess) throws -> Int {
        let start = first == 0 ? 0 : batch.callEnds[first - 1]
        process.requests.reset()
        process.requests.put(Request.callFunction.rawValue)
        process.requests.put(name)
        let header = process.requests.offset
        let room = IsolationProtocol.regionSize - header - 12
        var last = first
        while last < batch.count, batch.callEnds[last] - start <= room { last += 1 }
        guard last > first else {
            throw IsolatedFunctionError(
                description:
                    "isolated plugin \(build.plugin): the arguments of one call of \(name) take \(batch.callEnds[first] - start) bytes, more than the \(IsolationProtocol.regionSize >> 20) MiB a request may take"
            )
        }
        let byteCount = batch.callEnds[last - 1] - start
        process.requests.put(UInt32(last - first))
        process.requests.put(UInt64(byteCount))
        batch.arguments.withUnsafeBytes { bytes in
            process.requests.put(raw: UnsafeRawBufferPointer(rebasing: bytes[start..<(start + byteCount)]))
        }
        let count = last - first
        var results = batch.results
        batch.results = []
        defer { batch.results = results }
        _ = try process.exchange(
            timeoutMs: build.timeoutMs, what: { "\(count) calls of typed function \(self.name)" }
        ) { call, index, reader in
            guard call == .result, index >= 0, Int(index) < count else { return }
            let tag = reader.get(UInt8.self)
            results[first + Int(index)] = TypedCallBatch.result(tag: tag, word: reader.get(UInt64.self))
        }
        return last
    }
}

/// A call of an isolated plugin's typed function cannot be sent (its arguments are too large).
struct IsolatedFunctionError: Error, CustomStringConvertible {
    let description: String
}
