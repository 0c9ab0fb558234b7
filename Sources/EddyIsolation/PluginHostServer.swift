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
/// punctuations and closes, and the calls of a typed function for a run of records. The plugin gets ``RelayHostAPI``, the same ABI as in-process.
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
