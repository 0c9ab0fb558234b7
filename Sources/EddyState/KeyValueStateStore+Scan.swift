extension KeyValueStateStore {
    /// Visits the entries with keys in `[from, to]` (both inclusive; nil means unbounded) in
    /// unsigned byte order, merging uncommitted writes over committed data: a cached value
    /// replaces the committed one, a cached delete hides it. `visit` gets borrowed buffers
    /// and returns false to stop.
    public func range(
        from: UnsafeRawBufferPointer?, to: UnsafeRawBufferPointer?,
        _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        if let from, let to, compareBytes(from, to) > 0 { return }
        try scan(from: from, bound: to.map { .through($0) } ?? .unbounded, visit)
    }

    /// Visits the entries whose keys start with `prefix`, in unsigned byte order, merging
    /// uncommitted writes over committed data as ``range(from:to:_:)`` does.
    public func prefixScan(
        _ prefix: UnsafeRawBufferPointer, _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try scan(from: prefix, bound: .prefix(prefix), visit)
    }

    func scan(
        from: UnsafeRawBufferPointer?, bound: ScanBound,
        _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try ensureOpen()
        try completeRestore()
        switch backend {
        case .rocksDB(let db):
            let iterator = db.makeIterator()
            iterator.seek(from)
            if readsCommittedOnly { return try walk(bound: bound, committed: iterator, visit) }
            try merge(from: from, bound: bound, committed: iterator, visit)
        case .inMemory(let memory):
            let cursor = InMemoryCursor(memory.data, from: from)
            if readsCommittedOnly { return try walk(bound: bound, committed: cursor, visit) }
            try merge(from: from, bound: bound, committed: cursor, visit)
        }
    }

    /// Visits the committed entries alone, as ``readingCommitted(_:)`` asks.
    private func walk<Cursor: StoreCursor>(
        bound: ScanBound, committed: Cursor, _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var committed = committed
        while committed.isValid, committed.withKey({ bound.admits($0) }) {
            guard try committed.withEntry(visit) else { return }
            committed.next()
        }
        try committed.checkError()
    }

    /// Walks the cache's dirty entries and the committed cursor side by side; on equal keys
    /// the cache wins.
    private func merge<Cursor: StoreCursor>(
        from: UnsafeRawBufferPointer?, bound: ScanBound, committed: Cursor,
        _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var committed = committed
        let cached = cache.ordered()
        var p = cached.start(atOrAfter: from)
        while true {
            // A clean entry repeats what the committed cursor holds: let the cursor give it.
            var cacheLive = false
            while cached.isValid(p) && cached.entry(at: p).withKey({ bound.admits($0) }) {
                if cached.entry(at: p).isDirty {
                    cacheLive = true
                    break
                }
                p = cached.after(p)
            }
            let committedLive = committed.isValid && committed.withKey { bound.admits($0) }
            if !cacheLive && !committedLive { break }
            let order: Int
            if cacheLive && committedLive {
                order = committed.withKey { c in cached.entry(at: p).withKey { compareBytes($0, c) } }
            } else {
                order = cacheLive ? -1 : 1
            }
            var keepGoing = true
            if order <= 0 {
                keepGoing = try cached.entry(at: p).withEntry { k, v in try v.map { try visit(k, $0) } ?? true }
                if order == 0 { committed.next() }
                p = cached.after(p)
            } else {
                keepGoing = try committed.withEntry(visit)
                committed.next()
            }
            if !keepGoing { return }
        }
        try committed.checkError()
    }
}
