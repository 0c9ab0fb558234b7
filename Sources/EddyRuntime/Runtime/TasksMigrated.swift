import EddyKafka

/// The group no longer counts this stream thread's consumer as the member its tasks belong
/// to: its session expired while it stalled (`UNKNOWN_MEMBER_ID`), or a new member joined with
/// its `group.instance.id` (`FENCED_INSTANCE_ID`). Its partitions may already be another
/// member's, so its tasks are not its own any more (Kafka Streams' `TaskMigratedException`).
///
/// Raised by a commit the group coordinator refused, after the transaction was aborted: the
/// thread closes its tasks without committing and rejoins the group with new clients. Nothing
/// for a user to do; it is logged as a warning.
struct TasksMigrated: Error, CustomStringConvertible {
    let thread: Int
    let code: KafkaErrorCode
    let reason: String

    /// Whether a coordinator's refusal means the member is gone (rather than that it missed
    /// a rebalance, `ILLEGAL_GENERATION`, which an abort and a rewind recover from).
    static func isMemberGone(_ code: KafkaErrorCode) -> Bool {
        code == .unknownMemberId || code == .fencedInstanceId
    }

    var description: String {
        "stream thread \(thread): the group refused this member's offsets (\(code.name): \(reason)); its transaction was aborted, "
            + "its tasks close without committing and it rejoins the group"
    }
}
