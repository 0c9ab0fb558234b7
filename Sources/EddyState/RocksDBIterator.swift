import CRocksDB

/// A RocksDB iterator over one column family, handing out borrowed keys and values that
/// stay valid until the iterator moves.
final class RocksDBIterator {
    private let handle: OpaquePointer
    private let path: String

    init(_ handle: OpaquePointer, path: String) {
        self.handle = handle
        self.path = path
    }

    deinit { rocksdb_iter_destroy(handle) }

    /// Positions at the first key not less than `key`, or at the first key when nil.
    func seek(_ key: UnsafeRawBufferPointer?) {
        if let key {
            rocksdb_iter_seek(handle, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count)
        } else {
            rocksdb_iter_seek_to_first(handle)
        }
    }

    /// Positions at the last key.
    func seekToLast() {
        rocksdb_iter_seek_to_last(handle)
    }

    var isValid: Bool { rocksdb_iter_valid(handle) != 0 }

    func next() { rocksdb_iter_next(handle) }

    var key: UnsafeRawBufferPointer {
        var length = 0
        let p = rocksdb_iter_key(handle, &length)
        return UnsafeRawBufferPointer(start: p, count: length)
    }

    var value: UnsafeRawBufferPointer {
        var length = 0
        let p = rocksdb_iter_value(handle, &length)
        return UnsafeRawBufferPointer(start: p, count: length)
    }

    func withEntry<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(key, value)
    }

    /// Throws the error that stopped the iteration early, if any.
    func checkError() throws {
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_iter_get_error(handle, &error)
        if let message = RocksDBDatabase.take(error) {
            throw StateStoreError.rocksDB(operation: "iterate", directory: path, message: message)
        }
    }
}
