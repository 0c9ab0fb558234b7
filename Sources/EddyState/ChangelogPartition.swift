/// One partition of a store's changelog topic, named without any Kafka client type so that
/// `EddyState` stays independent of the Kafka layer.
///
/// A store's checkpoint maps each changelog partition it covers to the offset of the next
/// changelog record to read: everything before it is in the store.
public struct ChangelogPartition: Hashable, Sendable, CustomStringConvertible {
    /// The changelog topic, `<application.id>-<store>-changelog` by convention.
    public let topic: String
    /// The partition number, equal to the task's input partition (changelogs are co-partitioned).
    public let partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)-\(partition)" }
}
