import CRdKafka
import Logging
import Synchronization

/// State shared between a client and the C callbacks librdkafka invokes for it.
///
/// librdkafka passes this object back as the `opaque` pointer of every callback. It is
/// retained for exactly as long as the `rd_kafka_t` handle lives.
final class KafkaClientContext: @unchecked Sendable {
    let logger: Logger
    /// Called for each delivery report while the owning thread polls (producer only).
    var onDelivery: ((borrowing KafkaDeliveryReport) -> Void)?
    /// Whether successful deliveries of untagged records reach `onDelivery`.
    var reportsUntaggedSuccesses = true
    /// Called for each statistics report while the owning thread polls.
    var onStatistics: ((KafkaStatistics) -> Void)?
    /// Called for each rebalance while the consumer polls (consumer only).
    var onRebalance: ((KafkaRebalanceEvent) -> Void)?
    /// Partitions the rebalance listener asked to pause once the assignment it is looking at
    /// is applied; emptied by the rebalance callback.
    var pauseAfterAssignment: [KafkaTopicPartition] = []
    /// Whether the consumer has been handed an assignment (possibly empty) since it was created.
    var hasBeenAssigned = false
    /// The group metadata at the last assignment or revocation (consumer only); see
    /// ``KafkaConsumer/assignmentGroupMetadata()``.
    var groupMetadataAtRebalance: KafkaConsumerGroupMetadata?
    /// The most recent client-level error (transport, resolution, all brokers down…).
    let lastError = Mutex<(code: KafkaErrorCode, reason: String)?>(nil)

    /// Topic names by librdkafka topic handle, so that per-record callbacks need not build a
    /// `String` each time (handles live as long as the client). Used on the polling thread.
    private var topicNames: [OpaquePointer: String] = [:]

    init(logger: Logger) { self.logger = logger }

    func topicName(_ handle: OpaquePointer?) -> String {
        guard let handle else { return "" }
        if let name = topicNames[handle] { return name }
        let name = String(cString: rd_kafka_topic_name(handle))
        topicNames[handle] = name
        return name
    }
}

/// Owns one `rd_kafka_t` handle and the context its callbacks see.
final class KafkaClient: @unchecked Sendable {
    let handle: OpaquePointer
    let context: KafkaClientContext
    let configuration: KafkaConfiguration
    private let unmanagedContext: Unmanaged<KafkaClientContext>

    /// Creates a producer- or consumer-type handle. `configure` may install extra callbacks on
    /// the native configuration before the handle is created.
    init(
        type: rd_kafka_type_t, configuration: KafkaConfiguration, logger: Logger,
        requireBootstrapServers: Bool = true, configure: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        let conf = try configuration.makeNativeConfiguration(
            for: type, requireBootstrapServers: requireBootstrapServers)
        let context = KafkaClientContext(logger: logger)
        let unmanaged = Unmanaged.passRetained(context)
        rd_kafka_conf_set_opaque(conf, unmanaged.toOpaque())
        rd_kafka_conf_set_error_cb(conf, KafkaCallbacks.error)
        rd_kafka_conf_set_log_cb(conf, KafkaCallbacks.log)
        rd_kafka_conf_set_stats_cb(conf, KafkaCallbacks.statistics)
        configure(conf)

        var errstr = CErrorBuffer()
        guard let handle = rd_kafka_new(type, conf, &errstr.bytes, errstr.count) else {
            rd_kafka_conf_destroy(conf)
            unmanaged.release()
            throw .client(operation: "creating the Kafka client", reason: errstr.message)
        }
        self.handle = handle
        self.context = context
        self.configuration = configuration
        self.unmanagedContext = unmanaged
    }

    deinit {
        rd_kafka_destroy(handle)
        unmanagedContext.release()
    }

    /// The client's name as librdkafka reports it, e.g. `rdkafka#producer-1`.
    var name: String { String(cString: rd_kafka_name(handle)) }

    /// The value this client runs with for global property `key` (set or librdkafka's
    /// default); nil when the key is unknown.
    func configuredValue(_ key: String) -> String? {
        let conf = rd_kafka_conf(handle)
        var size = 0
        guard rd_kafka_conf_get(conf, key, nil, &size) == RD_KAFKA_CONF_OK else { return nil }
        var bytes = [CChar](repeating: 0, count: size)
        guard rd_kafka_conf_get(conf, key, &bytes, &size) == RD_KAFKA_CONF_OK else { return nil }
        return String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The librdkafka fatal error, if one has been raised (the client is then unusable).
    func fatalError() -> KafkaError? {
        var errstr = CErrorBuffer()
        let err = rd_kafka_fatal_error(handle, &errstr.bytes, errstr.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return .request(operation: "client", code: KafkaErrorCode(err), reason: errstr.message)
    }

    /// Explains a timed-out request: when the brokers were never reached, say so with the last
    /// transport error instead of a bare timeout.
    func explainTimeout(_ operation: String) -> KafkaError {
        rd_kafka_poll(handle, 0)
        if let last = context.lastError.withLock({ $0 }) {
            return .unreachable(bootstrapServers: configuration.bootstrapServers, reason: last.reason)
        }
        return .request(operation: operation, code: .timedOut, reason: "no answer before the deadline")
    }
}

/// The C callbacks installed on every client. Static members (not closures in `main.swift`)
/// so that they carry no actor isolation and may run on librdkafka's threads.
enum KafkaCallbacks {
    static func context(_ opaque: UnsafeMutableRawPointer?) -> KafkaClientContext? {
        opaque.map { Unmanaged<KafkaClientContext>.fromOpaque($0).takeUnretainedValue() }
    }

    static let error: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void =
        {
            _, err, reason, opaque in
            guard let context = context(opaque) else { return }
            let code = KafkaErrorCode(rawValue: err)
            let text = reason.map { String(cString: $0) } ?? code.message
            context.lastError.withLock { $0 = (code, text) }
            context.logger.warning("librdkafka: \(text)", metadata: ["code": "\(code.name)"])
        }

    static let log: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        rk, level, facility, message in
        guard let rk, let context = context(rd_kafka_opaque(rk)) else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let fac = facility.map { String(cString: $0) } ?? ""
        let swiftLevel: Logger.Level =
            switch level {
            case ...3: .error
            case 4: .warning
            case 5, 6: .info
            default: .debug
            }
        context.logger.log(level: swiftLevel, "librdkafka \(fac): \(text)")
    }

    static let statistics:
        @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = {
            _, json, length, opaque in
            guard let json, let context = context(opaque), let handler = context.onStatistics else { return 0 }
            let bytes = UnsafeRawBufferPointer(start: json, count: length)
            do {
                handler(try KafkaStatistics.decode(bytes))
            } catch {
                context.logger.warning("could not decode librdkafka statistics: \(error)")
            }
            return 0
        }
}
