import EddyHost
import EddySDK

/// The worker's stand-in for a processor of an isolated plugin: an `eddy_processor` whose
/// entries ship each call to the plugin's process and relay the host calls the plugin makes
/// there to the real host table, with the real context, in order.
///
/// To the worker it is an ordinary processor (its stores, config and schedules are the
/// host's, a hot reload swaps it like any other), so nothing above the descriptor knows
/// where the plugin runs. Its `plugin_data` is the ``IsolatedProcessor`` itself.
final class IsolatedProcessor {
    let build: IsolatedBuild
    let name: String

    init(build: IsolatedBuild, name: String) {
        self.build = build
        self.name = name
    }

    /// The entries of the stand-in descriptor.
    static let initEntry:
        @convention(c) (
            UnsafePointer<eddy_processor>?, UnsafePointer<eddy_host_api>?, OpaquePointer?,
            UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        ) -> eddy_status = { processor, host, ctx, instanceOut in
            let target = Unmanaged<IsolatedProcessor>.fromOpaque(processor!.pointee.plugin_data!).takeUnretainedValue()
            return target.initialize(host: host!, ctx: ctx!, instanceOut: instanceOut!)
        }

    static let processEntry: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<eddy_record>?) -> eddy_status = {
        instance, record in
        var processed = 0
        return ProxyInstance.from(instance).process(record!, count: 1, processedOut: &processed)
    }

    static let processBatchEntry:
        @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<eddy_record>?, Int, UnsafeMutablePointer<Int>?) ->
            eddy_status = {
                instance, records, count, processedOut in
                ProxyInstance.from(instance).process(records!, count: count, processedOut: &processedOut!.pointee)
            }

    static let punctuateEntry: @convention(c) (UnsafeMutableRawPointer?, UInt64, Int64) -> eddy_status = {
        instance, schedule, timestamp in
        ProxyInstance.from(instance).punctuate(schedule, timestamp)
    }

    static let closeEntry: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
        let proxy = Unmanaged<ProxyInstance>.fromOpaque(instance!)
        proxy.takeUnretainedValue().close()
        proxy.release()
    }

    private func initialize(
        host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer,
        instanceOut: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> eddy_status {
        let process: PluginProcess
        do {
            process = try build.process()
        } catch {
            PluginCrashes.record(error)
            setError(host, ctx, error.description)
            return eddy_status(EDDY_ERROR)
        }
        let proxy = ProxyInstance(processor: self, process: process, host: host, ctx: ctx)
        process.instanceCount += 1
        let status = proxy.initialize()
        guard status == EDDY_OK else {
            build.released(process)
            return status
        }
        instanceOut.pointee = Unmanaged.passRetained(proxy).toOpaque()
        return status
    }
}

/// Calls the host's `set_error` with `text` (copied by the host during the call).
func setError(_ host: UnsafePointer<eddy_host_api>, _ ctx: OpaquePointer, _ text: String) {
    var text = text
    text.withUTF8 { utf8 in
        host.pointee.set_error(
            ctx, eddy_str(ptr: UnsafeRawPointer(utf8.baseAddress)?.assumingMemoryBound(to: CChar.self), len: utf8.count)
        )
    }
}
