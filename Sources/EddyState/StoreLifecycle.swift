/// What the runtime does with a store around its records, whatever the store's kind: commit
/// the cached writes with the changelog offsets that cover them, send them to the changelog,
/// drop them after an abort, finish a restoration, close.
///
/// ``KeyValueStateStore``, ``WindowStateStore`` and ``SessionStateStore`` all have this lifecycle (window and
/// session stores keep their entries in a key-value store), so a caller drives either through one type.
public protocol StoreLifecycle: AnyObject {
    /// The changelog offset, per partition, up to which the store on disk is complete.
    var checkpoint: [ChangelogPartition: Int64] { get }
    /// Whether the shared record-cache budget is full: the runtime should commit now.
    var needsCommit: Bool { get }
    /// The number of entries written since the last commit.
    var dirtyEntryCount: Int { get }
    /// Calls `body` with each entry written since the last commit, as its changelog record.
    func forEachDirtyEntry(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void) throws
    /// Writes the uncommitted entries and the checkpoint in one atomic batch.
    func commit(checkpoint offsets: [ChangelogPartition: Int64]) throws
    /// Drops every uncommitted write.
    func discardUncommitted()
    /// Writes the records a restoration gathered, with their checkpoint.
    func completeRestore() throws
    /// Closes the store, dropping uncommitted writes.
    func close()
}

extension KeyValueStateStore: StoreLifecycle {}
extension WindowStateStore: StoreLifecycle {}
extension SessionStateStore: StoreLifecycle {}
