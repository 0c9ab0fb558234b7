import EddySDK

/// The host calls any plugin code may make — an error message, logs, metrics, and the
/// questions a function may ask (stream and wall-clock time, task and application id,
/// config) — applied in the worker to `host` with `ctx`, answers written to `process`'s
/// replies. Shared by the relays of processors (``ProxyInstance``) and of exported nodes
/// (``HostCallRelay``), which handle the calls only they may make themselves.
enum CommonHostCalls {
    /// Whether `call` is one of these.
    static func handles(_ call: Call) -> Bool {
        switch call {
        case .setError, .log, .counterAdd, .gaugeSet, .streamTime, .wallClockTime, .taskId, .applicationId, .config:
            return true
        default:
            return false
        }
    }

    /// Applies `call`, one of ``handles(_:)``'s.
    static func apply(
        _ call: Call, _ reader: inout WireReader, host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer,
        process: PluginProcess
    ) {
        let api = host.pointee
        switch call {
        case .setError:
            api.set_error(ctx, reader.str())
        case .log:
            let level = reader.get(Int32.self)
            api.log(ctx, level, reader.str())
        case .counterAdd:
            let name = reader.cString()
            api.counter_add(ctx, name, reader.get(Int64.self))
        case .gaugeSet:
            let name = reader.cString()
            api.gauge_set(ctx, name, Double(bitPattern: reader.get(UInt64.self)))
        case .streamTime:
            process.replies.put(api.stream_time(ctx))
        case .wallClockTime:
            process.replies.put(api.wall_clock_time(ctx))
        case .taskId:
            process.replies.put(api.task_id(ctx))
        case .applicationId:
            process.replies.put(api.application_id(ctx))
        case .config:
            var value = eddy_str(ptr: nil, len: 0)
            let status = api.config(ctx, reader.cString(), &value)
            process.replies.put(status)
            process.replies.put(value)
        default:
            preconditionFailure("\(call) is not a common host call")
        }
    }
}
