import EddyHost
import EddyState

/// A window store as processors see it through the ABI (`window_put`, `window_fetch`).
///
/// Retention follows the task's stream time: before each put and fetch the store catches up
/// with it, so a window whose start is more than the retention behind stream time is no
/// longer returned, and a put into it is dropped (Kafka Streams drops writes to expired
/// segments too). Errors cannot cross the ABI call: they are kept and the task raises them
/// after the record, as for key-value stores.
extension TaskStore: WindowStorage {
    var windowSize: Int64 {
        guard case .window(_, let sizeMs) = storage else { return 0 }
        return sizeMs
    }

    func put(_ key: UnsafeRawBufferPointer, windowStart: Int64, _ value: UnsafeRawBufferPointer) {
        guard let store = windowStoreOrFail("window put") else { return }
        store.advanceStreamTime(to: streamTime())
        measured(.put) {
            do {
                try store.put(key, windowStart: windowStart, value: value)
            } catch {
                fail(error)
            }
        }
    }

    func fetch(_ key: [UInt8], from: Int64, to: Int64) -> any StoreIterator {
        measured(.fetch) { fetchWindows(key, from: from, to: to) }
    }

    private func fetchWindows(_ key: [UInt8], from: Int64, to: Int64) -> any StoreIterator {
        var entries: [StoreEntry] = []
        guard case .window(let store, let sizeMs) = storage else {
            fail(StoreKindMismatch(store: name, operation: "window fetch", kind: storage.kindName, expected: "window"))
            return SnapshotIterator(entries)
        }
        store.advanceStreamTime(to: streamTime())
        do {
            try key.withUnsafeBytes { k in
                try store.fetch(k, from: from, to: to) { start, value in
                    entries.append(
                        StoreEntry(key: key, value: Array(value), windowStart: start, windowEnd: start + sizeMs))
                    return true
                }
            }
        } catch {
            fail(error)
        }
        return SnapshotIterator(entries)
    }

    func get(_ key: UnsafeRawBufferPointer, windowStart: Int64, _ body: (UnsafeRawBufferPointer?) -> Void) {
        guard let store = windowStoreOrFail("window get") else { return body(nil) }
        store.advanceStreamTime(to: streamTime())
        measured(.get) {
            do {
                try store.get(key, windowStart: windowStart, body)
            } catch {
                fail(error)
                body(nil)
            }
        }
    }

    // MARK: - Private

    private func windowStoreOrFail(_ operation: String) -> EddyState.WindowStateStore? {
        guard case .window(let store, _) = storage else {
            fail(StoreKindMismatch(store: name, operation: operation, kind: storage.kindName, expected: "window"))
            return nil
        }
        return store
    }
}
