/// The broker's control channel: fault injection and inspection from the process that started
/// it. Each call blocks until the broker answers.
extension EmbeddedBroker {
    /// Takes broker `brokerID` down: its connections are closed and new ones refused, so clients
    /// see it fail, until ``setBrokerUp(_:)``. Its data stays.
    public func setBrokerDown(_ brokerID: Int32) throws(EmbeddedBrokerError) {
        _ = try control("broker-down \(brokerID)")
    }

    /// Brings broker `brokerID` back on the same port.
    public func setBrokerUp(_ brokerID: Int32) throws(EmbeddedBrokerError) {
        _ = try control("broker-up \(brokerID)")
    }

    /// Makes the next `errors.count` requests with this API key fail with these codes, in order.
    public func pushRequestErrors(apiKey: KafkaAPIKey, _ errors: [KafkaErrorCode]) throws(EmbeddedBrokerError) {
        for error in errors {
            _ = try control("request-errors \(apiKey.rawValue) \(error.rawValue) 1")
        }
    }

    /// The offset `group` has committed for `topic` [`partition`], or `nil` if it has none.
    ///
    /// This reads the broker's state directly, so it shows exactly what a transaction's commit
    /// or abort did to the group's offsets.
    public func committedOffset(group: String, topic: String, partition: Int32) throws(EmbeddedBrokerError) -> Int64? {
        guard !group.contains(where: \.isWhitespace), !topic.contains(where: \.isWhitespace) else {
            throw .invalidArgument("group and topic names may not contain whitespace: '\(group)', '\(topic)'")
        }
        let reply = try control("committed \(group) \(topic) \(partition)")
        guard let offset = Int64(reply) else {
            throw .control(command: "committed \(group) \(topic) \(partition)", reason: "unexpected reply '\(reply)'")
        }
        return offset >= 0 ? offset : nil
    }
}
