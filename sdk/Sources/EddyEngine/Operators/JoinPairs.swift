import EddySDK

/// The pairs a join collected from one run, in output order: those the joiner computes a
/// value for (the key, the left value and the result's timestamp in `calls`, the right
/// value in `rights`, as a joiner's `apply` takes them) and the tombstones the join emits
/// without the joiner. Bytes are copied into the buffers' arenas, so pairs may come from
/// stores whose values are only lent. Reused from run to run.
final class JoinPairs {
    /// The pairs for the joiner: records with the key, the left value (absent: none) and
    /// the result's timestamp.
    let calls = RunBuffer()
    /// The right value of each pair of `calls` (absent: none).
    private(set) var rights: [eddy_bytes] = []
    /// Tombstones to emit.
    let tombstones = RunBuffer()
    /// The output order: an index into `calls` (≥ 0), or `-(index + 1)` into `tombstones`.
    private(set) var order: [Int32] = []

    var count: Int { order.count }

    /// Adds a pair: `record` gives the key, headers and origin; `left` and `right` the values.
    func add(
        _ record: eddy_record, key: eddy_bytes, left: eddy_bytes, right: eddy_bytes, timestamp: Int64, origin: Int32
    ) {
        var pair = record
        pair.timestamp = timestamp
        calls.append(pair, key: key, value: left, origin: origin)
        rights.append(calls.arena.copy(right))
        order.append(Int32(calls.count - 1))
    }

    /// Adds a tombstone of `key`.
    func addTombstone(_ record: eddy_record, key: eddy_bytes, timestamp: Int64, origin: Int32) {
        var tombstone = record
        tombstone.timestamp = timestamp
        tombstone.value = .absent
        tombstones.append(tombstone, key: key, value: nil, origin: origin)
        order.append(-Int32(tombstones.count))
    }

    func reset() {
        calls.reset()
        tombstones.reset()
        rights.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
    }
}
