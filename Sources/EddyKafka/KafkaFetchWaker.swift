import CRdKafka
import Glibc
import Synchronization

/// Wakes the broker threads that fetch a consumer's partitions while the application drains
/// its pre-fetch queue: librdkafka 2.3's `fetch.queue.backoff.ms`, for a librdkafka without it.
///
/// librdkafka 2.0.2 stops fetching a partition whose pre-fetch queue is at its cap
/// (`queued.min.messages`, `queued.max.messages.kbytes`) and decides again only when the
/// partition leader's broker thread wakes: on I/O, an op on its queue, or its one-second idle
/// timeout. Nothing wakes it when the application takes records, so a capped queue that the
/// application drains in less than a second runs dry and waits (measured: ~185k records/s
/// instead of ~1M with a 100k-record cap). No public 2.0.2 call wakes a broker thread without
/// a request: pause, resume and seek drop what is queued, and `rd_kafka_flush` only exists for
/// producers. This side thread therefore asks, every `period` in which the application took
/// records, for the offsets of the assigned partitions (`rd_kafka_offsets_for_times`, latest):
/// librdkafka sends one ListOffsets request to each partition leader, and enqueuing it wakes
/// that leader's broker thread, which then fetches every partition below its cap. The round
/// trip blocks this thread only; an idle application costs no requests.
final class KafkaFetchWaker: @unchecked Sendable {
    /// Records the application has taken (the polling thread adds, the waker reads).
    let taken = Atomic<Int>(0)
    /// Requests sent so far (one call, one request per partition leader).
    let wakes = Atomic<Int>(0)
    private let stopRequested = Atomic<Bool>(false)
    private let handle: OpaquePointer
    private let period: Duration
    private var thread = pthread_t()

    /// Starts waking the broker threads of the consumer `handle` (which must outlive ``stop()``)
    /// every `period` in which ``taken`` moved.
    init(consumer handle: OpaquePointer, period: Duration) {
        self.handle = handle
        self.period = period
        let context = Unmanaged.passRetained(self).toOpaque()
        let result = pthread_create(
            &thread, nil,
            { context in
                let waker = Unmanaged<KafkaFetchWaker>.fromOpaque(context!).takeRetainedValue()
                waker.run()
                return nil
            }, context)
        precondition(result == 0, "cannot start the fetch waker thread: \(String(cString: strerror(result)))")
    }

    /// Stops the thread and waits for it (at most one period and one round trip, bounded by
    /// ``requestTimeoutMilliseconds``). Call once, before the consumer closes.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        pthread_join(thread, nil)
    }

    /// The longest a wake's request may block the waker (and so ``stop()``).
    static let requestTimeoutMilliseconds: Int32 = 500

    private func run() {
        let components = period.components
        var interval = timespec(
            tv_sec: Int(components.seconds), tv_nsec: Int(components.attoseconds / 1_000_000_000))
        var seen = 0
        while !stopRequested.load(ordering: .acquiring) {
            var remaining = timespec()
            nanosleep(&interval, &remaining)
            let current = taken.load(ordering: .relaxed)
            guard current != seen else { continue }
            seen = current
            wakeLeaders()
        }
    }

    /// One ListOffsets request to each leader of the assigned partitions.
    private func wakeLeaders() {
        var assigned: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR, let assigned else { return }
        defer { rd_kafka_topic_partition_list_destroy(assigned) }
        guard assigned.pointee.cnt > 0 else { return }
        for index in 0..<Int(assigned.pointee.cnt) { assigned.pointee.elems[index].offset = -1 }
        // The answer is not needed: a failed or timed-out request has still woken the thread.
        _ = rd_kafka_offsets_for_times(handle, assigned, Self.requestTimeoutMilliseconds)
        wakes.add(1, ordering: .relaxed)
    }
}
