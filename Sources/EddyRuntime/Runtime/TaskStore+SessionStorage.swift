import EddyHost
import EddyState

/// A session store as processors see it through the ABI (`session_put`, `session_remove`,
/// `session_fetch`).
///
/// Retention follows the task's stream time: before each call the store catches up with
/// it, so a session whose end is more than the retention behind stream time is no longer
/// found, and a put into it is dropped (as Kafka Streams drops writes to expired segments).
/// Errors cannot cross the ABI call: they are kept and the task raises them after the
/// record, as for the other kinds.
extension TaskStore: SessionStorage {
    func findSessions(_ key: UnsafeRawBufferPointer, earliestEnd: Int64, latestStart: Int64) -> [StoreEntry] {
        guard let store = sessionStoreOrFail("session fetch") else { return [] }
        return measured(.fetch) {
            do {
                let owned = Array(key)
                return try store.findSessions(key, earliestEnd: earliestEnd, latestStart: latestStart).map {
                    StoreEntry(key: owned, value: $0.value, windowStart: $0.start, windowEnd: $0.end)
                }
            } catch {
                fail(error)
                return []
            }
        }
    }

    func put(_ key: UnsafeRawBufferPointer, start: Int64, end: Int64, _ value: UnsafeRawBufferPointer) {
        guard let store = sessionStoreOrFail("session put") else { return }
        measured(.put) {
            do {
                try store.put(key, start: start, end: end, value: value)
            } catch {
                fail(error)
            }
        }
    }

    func remove(_ key: UnsafeRawBufferPointer, start: Int64, end: Int64) {
        guard let store = sessionStoreOrFail("session remove") else { return }
        measured(.remove) {
            do {
                try store.remove(key, start: start, end: end)
            } catch {
                fail(error)
            }
        }
    }

    // MARK: - Private

    /// The session store, caught up with the task's stream time; nil (and the task fails)
    /// for a store of another kind.
    private func sessionStoreOrFail(_ operation: String) -> EddyState.SessionStateStore? {
        guard case .session(let store) = storage else {
            fail(StoreKindMismatch(store: name, operation: operation, kind: storage.kindName, expected: "session"))
            return nil
        }
        store.advanceStreamTime(to: streamTime())
        return store
    }
}
