import CRdKafka

/// The librdkafka this process is linked against.
public enum KafkaVersion {
    /// librdkafka's version string, e.g. `2.0.2`.
    public static var librdkafka: String { String(cString: rd_kafka_version_str()) }
}
