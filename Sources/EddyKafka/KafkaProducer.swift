import CRdKafka
import Logging

/// A Kafka producer: idempotent by default, with librdkafka's transactional API.
///
/// All methods are synchronous and some block (``flush(timeout:)``, the transactional calls):
/// call them from a dedicated thread — a stream thread — never
/// from Swift's cooperative pool. Delivery reports are delivered on the thread that calls
/// ``poll(timeout:)`` or ``flush(timeout:)``. Use one producer from one thread at a time.
public final class KafkaProducer: @unchecked Sendable {
    let client: KafkaClient
    /// Topic handles by name, created on first use and destroyed with the producer.
    private var topics: [String: KafkaProducerTopic] = [:]

    /// Creates a producer.
    ///
    /// - Parameters:
    ///   - configuration: librdkafka properties; ``KafkaConfiguration/producerDefaults`` fill
    ///     what it leaves unset (idempotence on).
    ///   - logger: where librdkafka's log lines and client errors go.
    ///   - deliveryReports: which records' outcomes reach `onDelivery`.
    ///   - onDelivery: called once per produced record `deliveryReports` selects, on the polling thread.
    ///   - onStatistics: called with each `statistics.interval.ms` report, on the polling thread.
    public init(
        configuration: KafkaConfiguration,
        logger: Logger = Logger(label: "eddy.kafka.producer"),
        deliveryReports: KafkaDeliveryReports = .all,
        onDelivery: ((borrowing KafkaDeliveryReport) -> Void)? = nil,
        onStatistics: ((KafkaStatistics) -> Void)? = nil
    ) throws(KafkaError) {
        client = try KafkaClient(
            type: RD_KAFKA_PRODUCER,
            configuration: configuration.withDefaults(KafkaConfiguration.producerDefaults),
            logger: logger
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, KafkaProducer.deliveryCallback)
        }
        client.context.onDelivery = onDelivery
        client.context.reportsUntaggedSuccesses = deliveryReports == .all
        client.context.onStatistics = onStatistics
    }

    deinit {
        for topic in topics.values { rd_kafka_topic_destroy(topic.handle) }
    }

    /// The handle of topic `name`, created on first use (topic-level settings come from the
    /// producer's configuration).
    public func topic(named name: String) throws(KafkaError) -> KafkaProducerTopic {
        if let known = topics[name] { return known }
        guard let handle = rd_kafka_topic_new(client.handle, name, nil) else {
            throw .client(
                operation: "opening topic \(name) for producing", reason: KafkaErrorCode(rd_kafka_last_error()).message)
        }
        let topic = KafkaProducerTopic(handle: handle)
        topics[name] = topic
        return topic
    }

    /// The client's name as librdkafka reports it.
    public var name: String { client.name }

    /// Records produced but not yet acknowledged (or failed) by the brokers.
    public var inFlightCount: Int { Int(rd_kafka_outq_len(client.handle)) }

    // MARK: - Producing

    /// Enqueues one record for delivery; the outcome arrives as a ``KafkaDeliveryReport``.
    ///
    /// When librdkafka's local queue is full (`queue.buffering.max.messages`) this serves
    /// delivery reports and waits, up to `maxBlock`: backpressure flows to the caller instead
    /// of growing an unbounded queue.
    public func send(_ record: KafkaProducerRecord, maxBlock: Duration = .seconds(60)) throws(KafkaError) {
        try withOptionalBytes(record.key) { key throws(KafkaError) in
            try withOptionalBytes(record.value) { value throws(KafkaError) in
                try send(
                    topic: record.topic, partition: record.partition, key: key, value: value,
                    headers: record.headers, timestamp: record.timestamp, maxBlock: maxBlock)
            }
        }
    }

    /// Enqueues one record whose key and value are borrowed byte buffers, copied by librdkafka
    /// before this returns. This is the allocation-free path the runtime uses.
    public func send(
        topic: String, partition: Int32? = nil, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: [KafkaHeader] = [], timestamp: Int64? = nil, maxBlock: Duration = .seconds(60)
    ) throws(KafkaError) {
        try send(
            to: self.topic(named: topic), partition: partition, key: key, value: value, headers: headers,
            timestamp: timestamp,
            maxBlock: maxBlock)
    }

    /// Enqueues one record to a resolved topic; key and value are borrowed and copied by
    /// librdkafka before this returns. `tag` (non-zero) comes back in the record's
    /// ``KafkaDeliveryReport``.
    public func send(
        to topic: KafkaProducerTopic, partition: Int32? = nil, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?,
        headers: [KafkaHeader] = [], timestamp: Int64? = nil, tag: UInt = 0, maxBlock: Duration = .seconds(60)
    ) throws(KafkaError) {
        var deadline: ContinuousClock.Instant?  // read the clock only when the queue is full
        while true {
            let err = produce(
                topic: topic.handle, partition: partition, key: key, value: value, headers: headers,
                timestamp: timestamp, tag: tag)
            guard err == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    throw produceError(err, topic: topic.name, partition: partition)
                }
                return
            }
            let now = ContinuousClock.now
            if deadline == nil { deadline = now.advanced(by: maxBlock) }
            guard now < deadline! else { throw .queueFull(topic: topic.name, waited: maxBlock) }
            rd_kafka_poll(client.handle, 10)
        }
    }

    /// Serves delivery reports (and statistics, errors) for up to `timeout`; returns how many
    /// events were served.
    @discardableResult
    public func poll(timeout: Duration = .zero) -> Int {
        Int(rd_kafka_poll(client.handle, timeout.milliseconds))
    }

    /// Waits until every enqueued record is acknowledged or failed, serving delivery reports.
    public func flush(timeout: Duration) throws(KafkaError) {
        let err = rd_kafka_flush(client.handle, timeout.milliseconds)
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT {
            throw client.explainTimeout("flush (\(inFlightCount) records still in flight)")
        }
        try KafkaError.check(err, "flush")
    }

    // MARK: - Private

    private func produce(
        topic: OpaquePointer, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: [KafkaHeader], timestamp: Int64?, tag: UInt
    ) -> rd_kafka_resp_err_t {
        withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7 + headers.count) { vus in
            var n = 0
            func append(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                var vu = rd_kafka_vu_t()
                vu.vtype = type
                fill(&vu)
                vus.initializeElement(at: n, to: vu)
                n += 1
            }
            append(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
            append(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
            append(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition ?? RD_KAFKA_PARTITION_UA }
            if let key {
                append(RD_KAFKA_VTYPE_KEY) {
                    $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: key.baseAddress), size: key.count)
                }
            }
            if let value {
                append(RD_KAFKA_VTYPE_VALUE) {
                    $0.u.mem = .init(ptr: UnsafeMutableRawPointer(mutating: value.baseAddress), size: value.count)
                }
            }
            if let timestamp {
                append(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp }
            }
            if tag != 0 {
                append(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: tag) }
            }
            return produceWithHeaders(headers[...], vus: vus, count: n)
        }
    }

    /// Appends one `RD_KAFKA_VTYPE_HEADER` entry per header, keeping each header name a valid C
    /// string until `rd_kafka_produceva` has copied it.
    private func produceWithHeaders(
        _ headers: ArraySlice<KafkaHeader>, vus: UnsafeMutableBufferPointer<rd_kafka_vu_t>, count: Int
    ) -> rd_kafka_resp_err_t {
        guard let header = headers.first else {
            guard let error = rd_kafka_produceva(client.handle, vus.baseAddress, count) else {
                return RD_KAFKA_RESP_ERR_NO_ERROR
            }
            defer { rd_kafka_error_destroy(error) }
            return rd_kafka_error_code(error)
        }
        return header.key.withCString { name in
            withOptionalBytes(header.value) { bytes in
                var vu = rd_kafka_vu_t()
                vu.vtype = RD_KAFKA_VTYPE_HEADER
                vu.u.header.name = name
                vu.u.header.val = bytes.flatMap { $0.baseAddress }
                vu.u.header.size = bytes.map { $0.count } ?? -1
                vus.initializeElement(at: count, to: vu)
                return produceWithHeaders(headers.dropFirst(), vus: vus, count: count + 1)
            }
        }
    }

    /// The error for a refused produce: the client's fatal error when it has one.
    private func produceError(_ err: rd_kafka_resp_err_t, topic: String, partition: Int32?) -> KafkaError {
        if let fatal = client.fatalError() { return fatal }
        let code = KafkaErrorCode(err)
        return .delivery(topic: topic, partition: partition ?? -1, code: code, reason: code.message)
    }

    /// librdkafka's delivery-report callback: runs on the thread that polls this producer.
    static let deliveryCallback:
        @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
            _, message, opaque in
            guard let message, let opaque else { return }
            Unmanaged<KafkaClientContext>.fromOpaque(opaque)._withUnsafeGuaranteedRef { context in
                guard let onDelivery = context.onDelivery else { return }
                let m = message.pointee
                let tag = UInt(bitPattern: m._private)
                if m.err == RD_KAFKA_RESP_ERR_NO_ERROR, tag == 0, !context.reportsUntaggedSuccesses { return }
                let topic = context.topicName(m.rkt)
                let error: KafkaError? =
                    m.err == RD_KAFKA_RESP_ERR_NO_ERROR
                    ? nil
                    : .delivery(
                        topic: topic, partition: m.partition, code: KafkaErrorCode(m.err),
                        reason: String(cString: rd_kafka_message_errstr(message)))
                onDelivery(
                    KafkaDeliveryReport(topic: topic, partition: m.partition, offset: m.offset, error: error, tag: tag))
            }
        }
}

/// Calls `body` with the bytes of `array`, or with `nil` when there is no array.
func withOptionalBytes<R, E: Error>(_ array: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws(E) -> R) throws(E) -> R
{
    guard let array else { return try body(nil) }
    do {
        return try array.withUnsafeBytes { try body($0) }
    } catch {
        throw error as! E  // `withUnsafeBytes` rethrows untyped: the only error is `body`'s.
    }
}

extension Duration {
    /// Whole milliseconds, clamped to librdkafka's `int` timeouts.
    var milliseconds: Int32 {
        let (seconds, attoseconds) = components
        let ms = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }
}
