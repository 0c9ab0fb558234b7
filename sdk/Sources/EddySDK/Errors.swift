/// Errors a processor throws to tell the host what to do with the current record.
public enum ProcessorError: Error, CustomStringConvertible {
    /// Reject the current record: the host sends it to the dead-letter topic with `reason`
    /// and continues with the next record (`EDDY_REJECT`).
    case reject(String)
    /// Fail the task: something is wrong beyond this one record (`EDDY_ERROR`). Any other
    /// error thrown from a processor has the same effect.
    case fail(String)

    public var description: String {
        switch self {
        case .reject(let reason): return reason
        case .fail(let reason): return reason
        }
    }
}

/// A host service refused a call: which call, and the ABI status it returned.
public struct HostCallError: Error, CustomStringConvertible {
    /// The host service, e.g. `kv_put(counts)`.
    public let operation: String
    /// The `EDDY_*` status the host returned.
    public let status: eddy_status

    public init(operation: String, status: eddy_status) {
        self.operation = operation
        self.status = status
    }

    public var description: String {
        "host call \(operation) failed: \(Self.name(of: status))"
    }

    /// The `EDDY_*` name of a status code.
    public static func name(of status: eddy_status) -> String {
        switch status {
        case EDDY_OK: return "EDDY_OK"
        case EDDY_REJECT: return "EDDY_REJECT"
        case EDDY_ERROR: return "EDDY_ERROR"
        case EDDY_NOT_FOUND: return "EDDY_NOT_FOUND (no such key, store or id)"
        case EDDY_INVALID_ARGUMENT: return "EDDY_INVALID_ARGUMENT (undeclared store, wrong kind or unknown child)"
        case EDDY_UNSUPPORTED: return "EDDY_UNSUPPORTED (this host does not offer the service)"
        default: return "status \(status)"
        }
    }
}

/// A config value is missing or does not parse as the requested type.
public struct ConfigError: Error, CustomStringConvertible {
    public let key: String
    public let reason: String
    public var description: String { "config \(key): \(reason)" }
}

/// The host is older than the ABI minor version a service needs: run the plugin on a newer
/// Eddy, or do without the service.
public struct HostTooOld: Error, CustomStringConvertible, Equatable {
    /// What the plugin asked for, e.g. `session stores`.
    public let service: String
    /// The ABI version the service needs, e.g. `1.3`.
    public let required: String
    /// The host's ABI version.
    public let host: String

    public init(service: String, required: String, host: String) {
        self.service = service
        self.required = required
        self.host = host
    }

    public var description: String {
        "\(service) need a host with ABI \(required); this host speaks ABI \(host) — run the plugin on a newer Eddy"
    }
}
