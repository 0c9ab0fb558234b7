import EddyKafka
import Testing

extension BrokerTests {
    /// Starting, locating and stopping the `eddy-broker` child process.
    @Suite struct EmbeddedBrokerTests {
        /// Ports below the kernel's ephemeral range (32768+) are taken only by explicit binds,
        /// so a random base there is free unless another test picked the same one: retry then.
        @Test func bindsTheRequestedConsecutivePorts() throws {
            for _ in 0..<5 {
                let base = Int.random(in: 20000...29000)
                guard let broker = try? EmbeddedBroker(brokers: 3, port: base) else { continue }
                #expect(broker.brokerCount == 3)
                #expect(broker.bootstrapServers == "127.0.0.1:\(base),127.0.0.1:\(base + 1),127.0.0.1:\(base + 2)")
                let taken = #expect(throws: EmbeddedBrokerError.self) { try EmbeddedBroker(port: base + 2) }
                #expect(
                    taken?.description.hasPrefix(
                        "eddy-broker (\(broker.executablePath)) did not start: its output closed (it exited)") == true)
                return
            }
            Issue.record("no free range of 3 ports found in 5 attempts")
        }

        @Test func aMissingBinaryIsAClearError() {
            let error = #expect(throws: EmbeddedBrokerError.self) {
                try EmbeddedBroker(executable: "/nonexistent/eddy-broker")
            }
            #expect(error?.description.hasPrefix("eddy-broker (/nonexistent/eddy-broker) did not start") == true)
            #expect(
                EmbeddedBrokerError.notFound(searched: ["/tmp and its parents"]).description
                    == "eddy-broker not found; build it with `bash broker/build.sh` (or set EDDY_BROKER to its path); searched: /tmp and its parents"
            )
        }

        @Test func badControlArgumentsAreRejectedWithTheBrokersReason() throws {
            let broker = try EmbeddedBroker()
            let error = #expect(throws: EmbeddedBrokerError.self) { try broker.setBrokerDown(7) }
            #expect(
                error == .control(command: "broker-down 7", reason: "usage: broker-down ID (a broker id from 1 to 1)"))
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
