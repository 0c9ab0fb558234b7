import CRdKafka

/// A consumer's group id, generation and member id, as
/// ``KafkaProducer/sendOffsetsToTransaction(_:groupMetadata:timeout:)`` needs it to fence
/// offsets sent on behalf of a consumer from an older group generation (KIP-447).
public final class KafkaConsumerGroupMetadata: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) { self.pointer = pointer }

    deinit { rd_kafka_consumer_group_metadata_destroy(pointer) }
}
