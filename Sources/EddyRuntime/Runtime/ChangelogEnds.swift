import EddyState

/// The offset after the last changelog record the brokers acknowledged, per changelog
/// partition, filled from delivery reports on the stream thread. Changelog records are sent
/// with their partition's tag, so a report is matched without comparing topic names.
final class ChangelogEnds: @unchecked Sendable {
    private var tags: [ChangelogPartition: UInt] = [:]
    /// By tag - 1: the end, or -1 before the first acknowledged record.
    private var ends: [Int64] = []

    /// The tag to send `changelog`'s records with.
    func tag(for changelog: ChangelogPartition) -> UInt {
        if let known = tags[changelog] { return known }
        ends.append(-1)
        tags[changelog] = UInt(ends.count)
        return UInt(ends.count)
    }

    func delivered(tag: UInt, offset: Int64) {
        guard tag > 0, tag <= ends.count else { return }
        let index = Int(tag) - 1
        if offset + 1 > ends[index] { ends[index] = offset + 1 }
    }

    func end(of changelog: ChangelogPartition) -> Int64? {
        guard let tag = tags[changelog], ends[Int(tag) - 1] >= 0 else { return nil }
        return ends[Int(tag) - 1]
    }
}
