import EddySDK

/// The punctuations one processor instance scheduled, and when each is next due.
///
/// A schedule first fires one interval after it was made (for stream time with no record
/// seen yet: one interval after the first record's timestamp). When time jumps over several
/// intervals it fires once, and its next due time moves to the first interval boundary
/// after the current time — Kafka Streams' behaviour.
final class PunctuationSchedules {
    struct Entry {
        let id: UInt64
        let type: PunctuationType
        let interval: Int64
        var due: Int64?
    }

    private var entries: [Entry] = []
    private var nextId: UInt64 = 1

    func add(_ type: PunctuationType, interval: Int64, now: Int64?) -> UInt64 {
        defer { nextId += 1 }
        entries.append(Entry(id: nextId, type: type, interval: interval, due: now.map { $0 + interval }))
        return nextId
    }

    func cancel(_ id: UInt64) -> Bool {
        guard let index = entries.firstIndex(where: { $0.id == id }) else { return false }
        entries.remove(at: index)
        return true
    }

    /// When the next schedule of `type` is due: nil when there is none; `Int64.min` when one
    /// waits for its first time (a stream-time schedule made before any record).
    func nextDue(_ type: PunctuationType) -> Int64? {
        entries.lazy.filter { $0.type == type }.map { $0.due ?? Int64.min }.min()
    }

    /// The schedules of `type` due at `now`, in due order; each is moved past `now`.
    func takeDue(_ type: PunctuationType, now: Int64) -> [UInt64] {
        var due: [(id: UInt64, at: Int64)] = []
        for index in entries.indices where entries[index].type == type {
            let interval = entries[index].interval
            guard let at = entries[index].due else {
                entries[index].due = now + interval
                continue
            }
            guard at <= now else { continue }
            due.append((entries[index].id, at))
            entries[index].due = at + interval * ((now - at) / interval + 1)
        }
        return due.sorted { ($0.at, $0.id) < ($1.at, $1.id) }.map(\.id)
    }
}
