import EddyKafka
import Testing

extension BrokerTests {
    /// Starting, locating and stopping the `eddy-broker` child process.
    @Suite struct EmbeddedBrokerTests {
        @Test func printsOneBootstrapServerPerBrokerOnTheRequestedPorts() throws {
            let probe = try EmbeddedBroker()
            let port = Int(probe.bootstrapServers.split(separator: ":").last!)!
            probe.stop()
            // The port the kernel just handed out is free again; ask for it and the next two.
            let broker = try EmbeddedBroker(brokers: 3, port: port)
            #expect(broker.brokerCount == 3)
            #expect(broker.bootstrapServers == "127.0.0.1:\(port),127.0.0.1:\(port + 1),127.0.0.1:\(port + 2)")
        }

        @Test func aMissingBinaryIsAClearError() {
            let error = #expect(throws: EmbeddedBrokerError.self) {
                try EmbeddedBroker(executable: "/nonexistent/eddy-broker")
            }
            #expect(error?.description.hasPrefix("eddy-broker (/nonexistent/eddy-broker) did not start") == true)
            #expect(
                EmbeddedBrokerError.notFound(searched: ["/tmp and its parents"]).description
                    == "eddy-broker not found; build it with `bash broker/build.sh` (or set EDDY_BROKER to its path); searched: /tmp and its parents")
        }

        @Test func badControlArgumentsAreRejectedWithTheBrokersReason() throws {
            let broker = try EmbeddedBroker()
            let error = #expect(throws: EmbeddedBrokerError.self) { try broker.setBrokerDown(7) }
            #expect(error == .control(command: "broker-down 7", reason: "usage: broker-down ID (a broker id from 1 to 1)"))
        }

        @Test func stopEndsTheBrokerAndLaterCommandsFail() throws {
            let broker = try EmbeddedBroker()
            broker.stop()
            broker.stop()
            let error = #expect(throws: EmbeddedBrokerError.self) { try broker.setBrokerUp(1) }
            #expect(error == .control(command: "broker-up 1", reason: "the broker was stopped"))
        }
    }
}
