import EddyHost
import EddySDK

/// The worker's stand-in for a node of an isolated plugin's exported topology or one of its
/// stream functions: an `eddy_node` whose `apply` and `merge` ship each call — a whole run of
/// records — to the calling thread's process of the build, where the plugin's own node runs,
/// and apply the host calls it makes there (its emits, errors, logs, metrics) to the real host
/// table with the real context, in order. The engine's own nodes (sources, stores,
/// repartitions, windows, joins' bookkeeping) stay in the worker and cannot tell.
///
/// The `plugin_data` of the stand-in node is the ``IsolatedNode`` itself. A failed process is
/// recorded (``PluginCrashes``), logged and set as the call's error: the stream thread
/// restarts it and reprocesses from the last commit.
final class IsolatedNode {
    let build: IsolatedBuild
    /// The node in the plugin's process (``IsolatedNodeReference``).
    let reference: String
    let name: String

    init(build: IsolatedBuild, reference: String, name: String) {
        self.build = build
        self.reference = reference
        self.name = name
    }

    static let applyEntry:
        @convention(c) (
            UnsafePointer<eddy_node>?, UnsafePointer<eddy_host_api>?, OpaquePointer?, UnsafePointer<eddy_record>?,
            Int, UnsafePointer<eddy_bytes>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int>?
        ) -> eddy_status = { node, host, ctx, records, count, aggregates, results, processedOut in
            let target = Unmanaged<IsolatedNode>.fromOpaque(node!.pointee.plugin_data!).takeUnretainedValue()
            return target.apply(
                host: host!, ctx: ctx!, records: records!, count: count, aggregates: aggregates, results: results,
                processedOut: processedOut!)
        }

    static let mergeEntry:
        @convention(c) (
            UnsafePointer<eddy_node>?, UnsafePointer<eddy_host_api>?, OpaquePointer?, eddy_bytes,
            UnsafePointer<eddy_bytes>?, Int
        ) -> eddy_status = { node, host, ctx, key, aggregates, count in
            let target = Unmanaged<IsolatedNode>.fromOpaque(node!.pointee.plugin_data!).takeUnretainedValue()
            return target.merge(host: host!, ctx: ctx!, key: key, aggregates: aggregates!, count: count)
        }

    // MARK: - Calls

    /// `apply` on `count` records, sent in as few requests as the request region allows; the
    /// indices the plugin emits for are those of the request, moved by the records before it.
    private func apply(
        host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer, records: UnsafePointer<eddy_record>, count: Int,
        aggregates: UnsafePointer<eddy_bytes>?, results: UnsafeMutablePointer<Int32>?,
        processedOut: UnsafeMutablePointer<Int>
    ) -> eddy_status {
        let stride = Int(records.pointee.struct_size)
        func record(_ index: Int) -> UnsafePointer<eddy_record> {
            (UnsafeRawPointer(records) + index * stride).assumingMemoryBound(to: eddy_record.self)
        }
        var start = 0
        while start < count {
            let relay: HostCallRelay
            do {
                relay = HostCallRelay(host: host, ctx: ctx, process: try build.process())
            } catch {
                return failed(error, host: host, ctx: ctx, processedOut: processedOut, at: start)
            }
            let requests = relay.process
            requests.requests.reset()
            requests.requests.put(Request.apply.rawValue)
            requests.requests.put(reference)
            let countAt = requests.requests.offset
            requests.requests.put(UInt32(0))
            requests.requests.put(UInt8(aggregates == nil ? 0 : 1))
            requests.requests.put(UInt8(results == nil ? 0 : 1))
            // The aggregates follow the records: room is kept for those of the records taken.
            var taken = 0
            var aggregateBytes = 0
            while start + taken < count {
                let aggregateSize = aggregates.map { WireWriter.size(of: $0[start + taken]) } ?? 0
                let size = RecordWire.size(of: record(start + taken)) + aggregateSize
                guard requests.requests.fits(size + aggregateBytes) else { break }
                RecordWire.write(record(start + taken), to: &requests.requests)
                aggregateBytes += aggregateSize
                taken += 1
            }
            guard taken > 0 else {
                setError(
                    host, ctx,
                    "a record of \(RecordWire.size(of: record(start))) bytes does not fit the \(IsolationProtocol.regionSize >> 20) MiB an isolated plugin's run may take"
                )
                processedOut.pointee = start
                return eddy_status(EDDY_ERROR)
            }
            if let aggregates {
                for index in start..<(start + taken) { requests.requests.put(aggregates[index]) }
            }
            requests.requests.patch(UInt32(taken), at: countAt)
            relay.indexOffset = start
            relay.results = results.map { $0 + start }
            let status: eddy_status
            let processed: Int
            do {
                (status, processed) = try relay.exchange(timeoutMs: build.timeoutMs) {
                    "a run of \(taken) records of node \(self.name)"
                }
            } catch {
                return failed(error, host: host, ctx: ctx, processedOut: processedOut, at: start)
            }
            guard status == EDDY_OK else {
                processedOut.pointee = start + min(processed, taken - 1)
                return status
            }
            start += taken
        }
        processedOut.pointee = count
        return eddy_status(EDDY_OK)
    }

    private func merge(
        host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer, key: eddy_bytes, aggregates: UnsafePointer<eddy_bytes>,
        count: Int
    ) -> eddy_status {
        var ignored = 0
        do {
            let relay = HostCallRelay(host: host, ctx: ctx, process: try build.process())
            let requests = relay.process
            requests.requests.reset()
            requests.requests.put(Request.merge.rawValue)
            requests.requests.put(reference)
            requests.requests.put(key)
            requests.requests.put(UInt32(count))
            for index in 0..<count { requests.requests.put(aggregates[index]) }
            return try relay.exchange(timeoutMs: build.timeoutMs) {
                "a merge of \(count) sessions of node \(self.name)"
            }
            .status
        } catch {
            return failed(error, host: host, ctx: ctx, processedOut: &ignored, at: 0)
        }
    }

    /// The process failed: recorded for the thread, logged, and the call's error.
    private func failed(
        _ error: PluginProcessFailure, host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer,
        processedOut: UnsafeMutablePointer<Int>, at index: Int
    ) -> eddy_status {
        PluginCrashes.record(error)
        var message = error.description
        message.withUTF8 { utf8 in
            host.pointee.log(
                ctx, eddy_log_level(EDDY_LOG_ERROR),
                eddy_str(ptr: UnsafeRawPointer(utf8.baseAddress)?.assumingMemoryBound(to: CChar.self), len: utf8.count))
        }
        setError(host, ctx, message)
        processedOut.pointee = index
        return eddy_status(EDDY_ERROR)
    }
}
