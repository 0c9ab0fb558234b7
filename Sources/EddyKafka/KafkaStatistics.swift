import Foundation

/// librdkafka's periodic statistics (`statistics.interval.ms`), decoded.
///
/// Only the fields Eddy reports (throughput, queue depths, consumer lag, group and
/// transaction state) are decoded; librdkafka's STATISTICS.md describes each one.
public struct KafkaStatistics: Decodable, Sendable {
    /// The client's name, e.g. `rdkafka#consumer-1`.
    public var name: String
    /// `producer` or `consumer`.
    public var type: String
    /// librdkafka's monotonic clock, microseconds.
    public var ts: Int64
    /// Messages waiting in the producer queues.
    public var msg_cnt: Int64
    /// Requests sent and responses received, across brokers.
    public var tx: Int64
    public var rx: Int64
    /// Messages sent (producer) and consumed (consumer).
    public var txmsgs: Int64
    public var rxmsgs: Int64
    public var brokers: [String: Broker]
    public var topics: [String: Topic]
    public var cgrp: ConsumerGroup?
    public var eos: ExactlyOnce?

    public struct Broker: Decodable, Sendable {
        public var name: String
        public var nodeid: Int32
        /// `UP`, `DOWN`, `CONNECT`…
        public var state: String
        public var outbuf_msg_cnt: Int64
        public var rtt: Window?
    }

    /// A rolling window of a latency, microseconds.
    public struct Window: Decodable, Sendable {
        public var avg: Int64
        public var p99: Int64
    }

    public struct Topic: Decodable, Sendable {
        public var topic: String
        public var partitions: [String: Partition]
    }

    public struct Partition: Decodable, Sendable {
        public var partition: Int32
        /// Messages ahead of the committed offset (`-1` when unknown).
        public var consumer_lag: Int64
        public var committed_offset: Int64
        public var hi_offset: Int64
        public var ls_offset: Int64
        /// The consumer's position: the offset after the last record handed to the application (`-1` before one).
        public var app_offset: Int64?
        public var fetchq_cnt: Int64
        public var msgq_cnt: Int64
        public var rxmsgs: Int64
        public var txmsgs: Int64
    }

    public struct ConsumerGroup: Decodable, Sendable {
        public var state: String
        public var join_state: String
        public var rebalance_cnt: Int64
        public var assignment_size: Int64
    }

    public struct ExactlyOnce: Decodable, Sendable {
        public var idemp_state: String
        public var txn_state: String
        public var producer_id: Int64
        public var producer_epoch: Int64
    }

    /// The consumer lag of each consumed partition that librdkafka knows it for: Kafka Streams'
    /// `records-lag`, the stable end of the partition minus the consumer's position. librdkafka's
    /// own `consumer_lag` counts from the consumer's committed offset, which a consumer whose
    /// offsets commit through a transaction never has, so it is the fallback only.
    public var consumerLag: [KafkaTopicPartition: Int64] {
        var lag: [KafkaTopicPartition: Int64] = [:]
        for topic in topics.values {
            for p in topic.partitions.values where p.partition >= 0 {
                let end = p.ls_offset >= 0 ? p.ls_offset : p.hi_offset
                let value =
                    if let position = p.app_offset, position >= 0, end >= 0 { max(0, end - position) } else {
                        p.consumer_lag
                    }
                if value >= 0 { lag[KafkaTopicPartition(topic: topic.topic, partition: p.partition)] = value }
            }
        }
        return lag
    }

    /// Decodes one statistics JSON document.
    public static func decode(_ json: UnsafeRawBufferPointer) throws -> KafkaStatistics {
        try JSONDecoder().decode(KafkaStatistics.self, from: Data(json))
    }
}
