import CRdKafka

/// Records of one partition kept across polls, in offset order: librdkafka's own messages,
/// moved out of a ``KafkaRecordRun`` (no copy) and destroyed once they have been handed out
/// with ``consume(_:_:)`` or dropped with ``removeAll()``.
///
/// The storage is one array of message pointers made at init: appending and consuming do
/// not allocate while the buffer stays within its capacity (the caller bounds it by pausing
/// the partition; a poll that overshoots grows it once). A held message keeps librdkafka's
/// fetch buffer it lies in alive, so the bound on records is also what bounds that memory.
/// Every message must be destroyed before its consumer is: empty the buffer (or let it go)
/// before closing the consumer for good. Used from the polling thread only.
public final class KafkaRecordBuffer {
    private var storage: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private var capacity: Int
    private var head = 0
    private var tail = 0
    /// Whether every held record may skip header parsing (see ``KafkaRecordRun``).
    private var trustsLayout = true

    /// A buffer for `capacity` records before it has to grow.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        storage = .allocate(capacity: self.capacity)
    }

    deinit {
        removeAll()
        storage.deallocate()
    }

    /// How many records the buffer holds.
    public var count: Int { tail - head }

    public var isEmpty: Bool { tail == head }

    /// The timestamp of the record `index` places after the head (ms; -1 when it has none).
    public func timestamp(at index: Int) -> Int64 {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        return rd_kafka_message_timestamp(storage[head + index]!, &type)
    }

    /// The value of the record `index` places after the head (nil for a null value), valid
    /// while the record is held.
    public func value(at index: Int) -> UnsafeRawBufferPointer? {
        let message = storage[head + index]!
        return message.pointee.payload.map { UnsafeRawBufferPointer(start: $0, count: message.pointee.len) }
    }

    /// The record `index` places after the head, valid while the record is held.
    public func record(at index: Int) -> KafkaRecordView {
        KafkaRecordView(storage[head + index]!, trustsLayout: trustsLayout)
    }

    /// The offset of the last record held, or nil when empty.
    public var lastOffset: Int64? { isEmpty ? nil : storage[tail - 1]!.pointee.offset }

    /// Takes the run's records over: the run is left without them, so the poll that lent
    /// it does not destroy them.
    public func append(_ run: borrowing KafkaRecordRun) {
        let needed = run.count
        if tail + needed > capacity {
            if count + needed <= capacity {
                // Move what is held to the front (at most `capacity` pointers).
                UnsafeMutableRawPointer(storage).copyMemory(
                    from: storage + head,
                    byteCount: count * MemoryLayout<UnsafeMutablePointer<rd_kafka_message_t>?>.stride)
            } else {
                let grown = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(
                    capacity: count + needed)
                grown.initialize(from: storage + head, count: count)
                storage.deallocate()
                storage = grown
                capacity = count + needed
            }
            tail -= head
            head = 0
        }
        for index in 0..<needed {
            storage[tail + index] = run.messages[index]
            run.messages[index] = nil
        }
        tail += needed
        if !run.trustsLayout { trustsLayout = false }
    }

    /// Lends the first `count` records to `body` as one run, then destroys them (also when
    /// `body` throws: a failed run is not retried from the buffer).
    public func consume(_ count: Int, _ body: (borrowing KafkaRecordRun) throws -> Void) rethrows {
        precondition(count > 0 && count <= self.count, "consuming \(count) of \(self.count) buffered records")
        defer {
            for index in head..<(head + count) { rd_kafka_message_destroy(storage[index]!) }
            head += count
            if head == tail {
                head = 0
                tail = 0
                trustsLayout = true
            }
        }
        try body(KafkaRecordRun(messages: storage + head, count: count, trustsLayout: trustsLayout))
    }

    /// Destroys every record held.
    public func removeAll() {
        for index in head..<tail { rd_kafka_message_destroy(storage[index]!) }
        head = 0
        tail = 0
        trustsLayout = true
    }
}
