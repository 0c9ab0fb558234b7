import EddyHost
import EddyPlugins
import EddySDK
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `eddy plugin-host`: the plugin process of an isolated plugin. It loads the plugin with
/// the worker's own ``PluginLoader`` (every check an in-process load makes), then serves
/// the worker's requests over ``IsolationProtocol``: creating instances, processing runs
/// record by record with `process` (as the worker's processor node does in-process),
/// punctuations and closes, the calls of a typed function for a run of records, and the
/// `apply` and `merge` of its exported nodes and stream functions on runs. The plugin gets ``RelayHostAPI``, the same ABI as in-process.
public enum PluginHostServer {
    /// Keeps this process's standard output for the manifest and points fd 1 at standard
    /// error, so that what a plugin prints while it loads (a constructor, its entry function)
    /// goes to standard error and cannot corrupt the manifest. Returns the kept output.
    public static func reserveStandardOutput() -> FileHandle {
        let kept = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        return FileHandle(fileDescriptor: kept, closeOnDealloc: true)
    }

    /// Loads the plugin and returns its manifest as JSON (`--describe`).
    public static func describe(path: String, pluginDirectory: String, cacheDirectory: String) throws -> Data {
        let loaded = try PluginLoader(pluginDirectory: pluginDirectory, cacheDirectory: cacheDirectory).load(path)
        let manifest = IsolatedPluginManifest(
            description: loaded.description, sha256: loaded.sha256, sourcePath: loaded.sourcePath,
            loadedPath: loaded.loadedPath,
            byteCount: loaded.byteCount)
        return try JSONEncoder().encode(manifest)
    }

    /// Loads the build at `path` (which must have `sha256`) and serves the worker on the
    /// socket `fd 3` and shared memory `fd 4` until the worker closes the socket.
    public static func serve(path: String, pluginDirectory: String, cacheDirectory: String, sha256: String) throws
        -> Never
    {
        let loaded = try PluginLoader(pluginDirectory: pluginDirectory, cacheDirectory: cacheDirectory).load(path)
        guard loaded.sha256 == sha256 else {
            throw PluginHostError("\(path) has sha256 \(loaded.sha256), not the \(sha256) the worker loaded")
        }
        let channel = try ChildChannel(socket: 3, memoryFd: 4)
        ChildChannel.shared = channel
        watchParent()
        let server = Server(plugin: loaded, channel: channel)
        while true {
            channel.waitFor(.request)
            server.handleRequest()
        }
    }
}

/// Ends this process when its worker is gone: a plugin stuck in a loop never reads the
/// socket's end-of-file, and no worker is left to kill it.
private func watchParent() {
    let worker = getppid()
    Thread.detachNewThread {
        while getppid() == worker { sleep(1) }
        _exit(0)
    }
}

/// The serving loop's state: the plugin's processors and the live instances.
private final class Server {
    struct Live {
        let processor: UnsafePointer<eddy_processor>
        let instance: UnsafeMutableRawPointer?
        let context: ChildContext
    }

    let plugin: LoadedPlugin
    let channel: ChildChannel
    var instances: [UInt64: Live] = [:]
    var records = UnsafeMutablePointer<eddy_record>.allocate(capacity: 64)
    var recordCapacity = 64
    let headers = HeaderBuffer()
    var headerStarts: [Int] = []
    /// The arguments of one typed function call, reused from call to call.
    var arguments: [TypedValue] = []
    /// An `apply`'s aggregates and results, reused from run to run.
    var aggregates: [eddy_bytes] = []
    var results: [Int32] = []

    init(plugin: LoadedPlugin, channel: ChildChannel) {
        self.plugin = plugin
        self.channel = channel
    }

    func handleRequest() {
        var reader = WireReader(base: channel.requestBase)
        channel.currentRecord = -1
        switch Request(rawValue: reader.get(UInt32.self)) {
        case .initialize:
            let id = reader.get(UInt64.self)
            let name = reader.string() ?? ""
            guard let processor = plugin.processor(named: name)?.entry, let initEntry = processor.pointee.`init` else {
                fail("the plugin has no processor \(name)")
                return
            }
            let context = ChildContext(instance: id)
            var instance: UnsafeMutableRawPointer?
            let status = initEntry(processor, RelayHostAPI.pointer, context.pointer, &instance)
            if status == EDDY_OK { instances[id] = Live(processor: processor, instance: instance, context: context) }
            channel.done(status, processed: 0)
        case .process:
            guard let live = instances[reader.get(UInt64.self)] else { return fail("process of an unknown instance") }
            let count = Int(reader.get(UInt32.self))
            decode(count, from: &reader)
            let process = live.processor.pointee.process!
            for index in 0..<count {
                channel.currentRecord = Int32(index)
                let status = process(live.instance, records + index)
                if status != EDDY_OK { return channel.done(status, processed: index) }
            }
            channel.done(eddy_status(EDDY_OK), processed: count)
        case .punctuate:
            guard let live = instances[reader.get(UInt64.self)] else { return fail("punctuate of an unknown instance") }
            let schedule = reader.get(UInt64.self)
            let timestamp = reader.get(Int64.self)
            let status = live.processor.pointee.punctuate?(live.instance, schedule, timestamp) ?? eddy_status(EDDY_OK)
            channel.done(status, processed: 0)
        case .close:
            let id = reader.get(UInt64.self)
            if let live = instances.removeValue(forKey: id) { live.processor.pointee.close?(live.instance) }
            channel.done(eddy_status(EDDY_OK), processed: 0)
        case .callFunction:
            callFunction(&reader)
        case .apply:
            apply(&reader)
        case .merge:
            merge(&reader)
        case nil:
            fail("unknown request")
        }
    }

    /// Calls a typed function once per call of the request, answering each with its result.
    private func callFunction(_ reader: inout WireReader) {
        let name = reader.string() ?? ""
        guard let function = plugin.functions[name] else { return fail("the plugin has no typed function \(name)") }
        let count = Int(reader.get(UInt32.self))
        _ = reader.get(UInt64.self)
        var offset = reader.offset
        for index in 0..<count {
            TypedCallBatch.readCall(function.signature, from: channel.requestBase, offset: &offset, into: &arguments)
            let result: TypedValue
            do {
                result = try function.call(arguments)
            } catch {
                return fail("typed function \(name): \(error)")
            }
            let (tag, word) = TypedCallBatch.encode(result: result)
            channel.currentRecord = Int32(index)
            _ = channel.begin(.result, size: 9)
            channel.calls.put(tag)
            channel.calls.put(word)
        }
        channel.done(eddy_status(EDDY_OK), processed: count)
    }

    /// An exported node's `apply` on a run of records, with a context of its own for the call
    /// (what the plugin is lent through it is valid for the call, as `eddy.h` says).
    private func apply(_ reader: inout WireReader) {
        let reference = reader.string() ?? ""
        guard let node = IsolatedNodeReference.resolve(reference, in: plugin.description),
            let apply = node.pointee.apply
        else { return fail("the plugin has no node \(reference) with an apply") }
        let count = Int(reader.get(UInt32.self))
        let hasAggregates = reader.get(UInt8.self) != 0
        let wantsResults = reader.get(UInt8.self) != 0
        decode(count, from: &reader)
        aggregates.removeAll(keepingCapacity: true)
        if hasAggregates { for _ in 0..<count { aggregates.append(reader.bytes()) } }
        results.removeAll(keepingCapacity: true)
        results.append(contentsOf: repeatElement(0, count: wantsResults ? count : 0))
        let context = ChildContext(instance: 0)
        var processed = 0
        let status = aggregates.withUnsafeBufferPointer { aggregates in
            results.withUnsafeMutableBufferPointer { results in
                apply(
                    node, RelayHostAPI.pointer, context.pointer, records, count,
                    hasAggregates ? aggregates.baseAddress : nil, wantsResults ? results.baseAddress : nil,
                    &processed)
            }
        }
        if wantsResults {
            _ = channel.begin(.results, size: 4 + 4 * count)
            channel.calls.put(UInt32(count))
            for value in results { channel.calls.put(value) }
        }
        channel.done(status, processed: processed)
    }

    /// An exported node's `merge` of session aggregates.
    private func merge(_ reader: inout WireReader) {
        let reference = reader.string() ?? ""
        guard let node = IsolatedNodeReference.resolve(reference, in: plugin.description),
            let merge = node.pointee.merge
        else { return fail("the plugin has no node \(reference) with a merge") }
        let key = reader.bytes()
        let count = Int(reader.get(UInt32.self))
        aggregates.removeAll(keepingCapacity: true)
        for _ in 0..<count { aggregates.append(reader.bytes()) }
        let context = ChildContext(instance: 0)
        let status = aggregates.withUnsafeBufferPointer {
            merge(node, RelayHostAPI.pointer, context.pointer, key, $0.baseAddress, count)
        }
        channel.done(status, processed: 0)
    }

    /// Reads `count` records into `records`, their headers into `headers`.
    private func decode(_ count: Int, from reader: inout WireReader) {
        if count > recordCapacity {
            records.deallocate()
            recordCapacity = max(count, recordCapacity * 2)
            records = .allocate(capacity: recordCapacity)
        }
        headers.reset()
        headerStarts.removeAll(keepingCapacity: true)
        for index in 0..<count {
            let (record, start) = RecordWire.read(from: &reader, headers: headers)
            (records + index).initialize(to: record)
            headerStarts.append(start)
        }
        for index in 0..<count where records[index].header_count > 0 {
            records[index].headers = headers.headers(from: headerStarts[index], count: records[index].header_count)
        }
    }

    private func fail(_ message: String) {
        PluginHostError(message).report()
        _exit(3)
    }
}
