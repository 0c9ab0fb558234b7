/// A task: one sub-topology run for one partition, written `1_3` as in Kafka Streams.
public struct TaskId: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var subTopology: Int
    public var partition: Int32

    public init(subTopology: Int, partition: Int32) {
        self.subTopology = subTopology
        self.partition = partition
    }

    /// Parses `1_3`.
    public init?(_ text: String) {
        let parts = text.split(separator: "_")
        guard parts.count == 2, let s = Int(parts[0]), let p = Int32(parts[1]), s >= 0, p >= 0 else { return nil }
        self.init(subTopology: s, partition: p)
    }

    public var description: String { "\(subTopology)_\(partition)" }

    public static func < (a: TaskId, b: TaskId) -> Bool {
        (a.subTopology, a.partition) < (b.subTopology, b.partition)
    }
}
