import EddyKafka
import EddyTestSupport
import Testing

@Suite struct BadInputTests {
    @Test func unknownConfigKeyIsNamedWithLibrdkafkasMessage() {
        let error = #expect(throws: KafkaError.self) {
            try KafkaProducer(configuration: ["bootstrap.servers": "localhost:9092", "linger.msec": "5"])
        }
        #expect(
            error
                == .configuration(
                    key: "linger.msec",
                    reason:
                        "No such configuration property: \"linger.msec\" — check the spelling against librdkafka's CONFIGURATION.md"
                ))
    }

    @Test func invalidConfigValueIsNamedWithoutLeakingSecrets() {
        let bad = #expect(throws: KafkaError.self) {
            try KafkaConsumer(configuration: ["bootstrap.servers": "localhost:9092", "session.timeout.ms": "soon"])
        }
        guard case .configuration(let key, let reason)? = bad else {
            Issue.record("expected a configuration error, got \(String(describing: bad))")
            return
        }
        #expect(key == "session.timeout.ms")
        #expect(reason.contains("'soon'"))

        let config: KafkaConfiguration = ["sasl.password": "hunter2", "linger.ms": "5"]
        #expect(config.description == "linger.ms=5, sasl.password=******")
    }

    @Test func malformedBootstrapServersAreRejectedUpFront() {
        #expect(
            throws: KafkaError.configuration(
                key: "bootstrap.servers",
                reason:
                    "'localhost' is not host:port — give a comma-separated list such as localhost:9092,localhost:9093")
        ) {
            try KafkaAdmin(configuration: ["bootstrap.servers": "localhost"])
        }
        #expect(
            throws: KafkaError.configuration(
                key: "bootstrap.servers",
                reason: "not set — give a comma-separated list of host:port, e.g. localhost:9092")
        ) {
            try KafkaConsumer(configuration: [:])
        }
    }

    @Test func unreachableBootstrapSaysSoWithTheTransportError() throws {
        // Port 1 on loopback: nothing listens there, so every connection is refused at once.
        let admin = try KafkaAdmin(configuration: ["bootstrap.servers": "127.0.0.1:1"])
        let error = #expect(throws: KafkaError.self) { try admin.metadata(timeout: .seconds(2)) }
        guard case .unreachable(let servers, let reason)? = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(servers == "127.0.0.1:1")
        #expect(reason.contains("Connection refused"))
    }

    @Test func producingToAMissingTopicWithAutoCreateOffFailsDelivery() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("missing")
        cluster.setTopicError(topic, .unknownTopicOrPartition)
        let failures = Observed<[KafkaError]>([])
        let producer = try KafkaProducer(
            configuration: [
                "bootstrap.servers": cluster.bootstrapServers,
                "topic.metadata.propagation.max.ms": "500",
                "message.timeout.ms": "3000",
            ]
        ) { report in
            if let error = report.error { failures.update { $0.append(error) } }
        }
        try producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "v"))
        try producer.flush(timeout: .seconds(10))
        #expect(failures.value.count == 1)
        guard case .delivery(let failedTopic, _, let code, _)? = failures.value.first else {
            Issue.record("expected a delivery error, got \(failures.value)")
            return
        }
        #expect(failedTopic == topic)
        #expect(code == .unknownTopic || code == .unknownTopicOrPartition)
        #expect(failures.value[0].description.contains("topic does not exist"))
        #expect(failures.value[0].description.contains("eddy topic create \(topic)"))
    }
}
