import EddySDK

/// A topic of a ``TopologyTestDriver`` to pipe typed records into (Kafka Streams'
/// `TestInputTopic`).
public struct TestInputTopic<K: Serde, V: Serde> {
    let driver: TopologyTestDriver
    /// The topic's name.
    public let topic: String
    let keySerde: K
    let valueSerde: V

    /// Pipes one record (nil for a null key or value).
    public func pipe(key: K.Value?, value: V.Value?, timestamp: Int64 = 0, headers: [Header] = []) throws {
        try driver.pipe(
            topic, key: try key.map { try keySerde.serialize($0) { Array($0) } },
            value: try value.map { try valueSerde.serialize($0) { Array($0) } }, timestamp: timestamp, headers: headers)
    }

    /// Pipes one record with a null key.
    public func pipe(value: V.Value?, timestamp: Int64 = 0) throws {
        try pipe(key: nil, value: value, timestamp: timestamp)
    }

    /// Pipes records with the given keys and values, in order, all at `timestamp`.
    public func pipe(_ records: [(K.Value?, V.Value?)], timestamp: Int64 = 0) throws {
        for (key, value) in records { try pipe(key: key, value: value, timestamp: timestamp) }
    }
}

/// A topic of a ``TopologyTestDriver`` to read what the topology wrote, decoded (Kafka
/// Streams' `TestOutputTopic`). Reading drains.
public struct TestOutputTopic<K: Serde, V: Serde> {
    let driver: TopologyTestDriver
    /// The topic's name.
    public let topic: String
    let keySerde: K
    let valueSerde: V

    /// The records written since the last read, with their timestamps.
    public func readRecords() throws -> [TestRecord<K.Value, V.Value>] {
        try driver.readOutput(topic).map { record in
            TestRecord(
                key: try record.key.map { try $0.withUnsafeBytes { try keySerde.deserializeKey($0) } },
                value: try record.value.map { try $0.withUnsafeBytes { try valueSerde.deserialize($0) } },
                timestamp: record.timestamp)
        }
    }

    /// The keys and values written since the last read.
    public func readKeyValues() throws -> [KeyValue<K.Value, V.Value>] {
        try readRecords().map { KeyValue($0.key, $0.value) }
    }
}
