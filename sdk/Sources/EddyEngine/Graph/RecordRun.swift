import EddySDK

/// A run of records moving from a node to its children: `eddy_record` views laid out one
/// after another (as `process_batch` and `eddy_node.apply` take them), and for each the
/// index of the input record it came from, its *origin* (-1 for records a punctuation
/// made), so that a failure anywhere downstream reports the input record.
///
/// Borrowed: valid only during the `process` call that receives it.
public struct RecordRun {
    public let records: UnsafePointer<eddy_record>
    public let origins: UnsafePointer<Int32>
    public let count: Int

    public init(records: UnsafePointer<eddy_record>, origins: UnsafePointer<Int32>, count: Int) {
        self.records = records
        self.origins = origins
        self.count = count
    }

    /// Record `index` of the run.
    @inlinable
    public subscript(index: Int) -> UnsafePointer<eddy_record> { records + index }

    /// Whether `record` points at one of this run's records, and which.
    @inlinable
    public func index(of record: UnsafePointer<eddy_record>) -> Int? {
        guard record >= records, record < records + count else { return nil }
        return record - records
    }

    /// The records `range` of this run.
    @inlinable
    public func slice(_ range: Range<Int>) -> RecordRun {
        RecordRun(records: records + range.lowerBound, origins: origins + range.lowerBound, count: range.count)
    }
}

/// The record layout every run uses: `struct_size` is this host's `sizeof(eddy_record)`,
/// which is also the stride between records.
public let recordStructSize = UInt32(MemoryLayout<eddy_record>.size)
