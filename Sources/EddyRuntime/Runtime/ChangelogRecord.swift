/// A store update waiting to be written to the store's changelog topic at the next commit.
struct ChangelogRecord {
    var key: [UInt8]
    /// nil for a deletion (a tombstone in the compacted changelog).
    var value: [UInt8]?
}
