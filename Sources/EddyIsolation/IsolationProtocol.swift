#if canImport(Glibc)
    import Glibc
#endif

/// The protocol between a worker and an isolated plugin's process (`eddy plugin-host`).
///
/// Three regions of one shared memory file carry the data; a socket pair carries one-byte
/// wake-ups, and its end-of-file tells either side the other is gone:
///
/// - the *request* region (worker → child): one request at a time — create an instance, a run
///   of records to process, a punctuation, close — announced with ``Wake/request``;
/// - the *calls* region (child → worker): the host calls the plugin made, in order. Calls that
///   return nothing the plugin needs (writes, forwards to every child, metrics, logs) are only
///   appended; a call that needs an answer, a full region (``Call/flush``) or the end of the
///   request (``Call/done``) is announced with ``Wake/calls``, and the worker applies every
///   call in the region, in order, to the real host table;
/// - the *replies* region (worker → child): the answer to the last call, ``Wake/reply``.
///
/// Nothing queues: the child waits for each answer and the worker for each request's end, so a
/// region holds at most one request, one stretch of calls, one reply.
enum IsolationProtocol {
    /// Bytes of each region.
    static let regionSize = 8 << 20
    /// Offsets of the regions in the shared file.
    static let requestOffset = 0
    static let callsOffset = regionSize
    static let repliesOffset = 2 * regionSize
    static let fileSize = 3 * regionSize
    /// Room kept free in the calls region for the flush or done that ends a stretch.
    static let callsReserve = 64
}

/// A one-byte wake-up on the socket.
enum Wake: UInt8 {
    /// Worker → child: a request is in the request region.
    case request = 0x50
    /// Worker → child: the reply is in the replies region.
    case reply = 0x52
    /// Child → worker: calls are in the calls region.
    case calls = 0x43
}

/// What the worker asks of the child.
enum Request: UInt32 {
    /// `u64 instance, processor name`: create an instance (the plugin's `init`).
    case initialize = 1
    /// `u64 instance, u32 count, records`: process a run of records (`process` per record).
    case process
    /// `u64 instance, u64 schedule, i64 time`: a punctuation fired.
    case punctuate
    /// `u64 instance`: close the instance.
    case close
    /// `function name, u32 count, u64 byte count, arguments` (``TypedCallBatch``'s
    /// encoding): call a typed function `count` times, answering each with a ``Call/result``.
    case callFunction
    /// `node reference, u32 count, u8 has aggregates, u8 wants results, records, then the
    /// aggregates`: an exported node's `apply` on a run; answered by the node's emits, a
    /// ``Call/results`` when results are wanted, and ``Call/done`` with the processed count.
    case apply
    /// `node reference, key, u32 count, aggregates`: a node's `merge`; answered by its emit.
    case merge
}

/// A host call the plugin made in the child, or the end of a request. Each starts with its
/// code and the index of the record being processed (-1 outside `process`).
enum Call: UInt32 {
    case setError = 1
    /// A forward to every child: applied in order, no answer.
    case forward
    /// A forward to a named child: answered, since an unknown child is an error the plugin sees.
    case forwardTo
    case getStore
    case kvGet
    case kvPut
    case kvDelete
    case kvRange
    case kvPrefixScan
    case windowPut
    case windowFetch
    case iteratorNext
    case iteratorClose
    case schedule
    case cancel
    case streamTime
    case wallClockTime
    case taskId
    case applicationId
    case config
    case log
    case counterAdd
    case gaugeSet
    case requestCommit
    case emit
    case sessionPut
    case sessionRemove
    case sessionFetch
    /// `u8 tag, u64 word` (``TypedCallBatch/encode(result:)``): the result of the typed
    /// function call numbered by the call's index.
    case result
    /// `u32 count, i32 × count`: what an `apply` wrote to its `results` (filter, branch).
    case results
    /// `i32 status, u32 processed`: the request is done.
    case done
    /// The calls region is full: apply what it holds and answer with an empty reply.
    case flush

    /// Whether the child waits for an answer: the call returns data or a status the plugin
    /// acts on. Writes, forwards to every child and emits are applied in order without one; a
    /// host that refuses one of them fails the request with its message.
    var needsReply: Bool {
        switch self {
        case .setError, .forward, .kvPut, .kvDelete, .windowPut, .iteratorClose, .log, .counterAdd, .gaugeSet,
            .requestCommit,
            .sessionPut, .sessionRemove, .result, .results, .emit, .done:
            false
        default:
            true
        }
    }
}

/// Sends one wake-up byte; false when the other side is gone. `MSG_NOSIGNAL`: a peer that
/// died must not kill the sender with SIGPIPE — the worker learns of it from the result.
@discardableResult
func send(_ wake: Wake, on fd: Int32) -> Bool {
    var byte = wake.rawValue
    while true {
        let result = Glibc.send(fd, &byte, 1, Int32(MSG_NOSIGNAL))
        if result < 0 && errno == EINTR { continue }
        return result == 1
    }
}
