import EddyKafka
import EddyServer
import EddyTestSupport
import Foundation
import Logging
import Testing

@testable import EddyRuntime

/// `/ready` answers 503 with the reason while a task restores and 200 after; `/health` fails
/// once a stream thread has died and was not replaced.
@Suite struct ReadinessTests {
    @Test func notReadyWhileATaskRestoresReadyAfter() throws {
        let (cluster, dir, config) = try BackgroundRestorationTests.clusterWithState("ready")
        defer { withExtendedLifetime(cluster) {} }
        let app = try BackgroundRestorationTests.worker(config, stateDir: dir.path + "/state-b")
        let hold = RestoreHold(task: BackgroundRestorationTests.bigTask, afterRecords: 1)
        app.restoreHold = hold
        try app.start()
        let endpoint = try WorkerEndpoint(app: app, bind: "127.0.0.1", port: 0, logger: Logger(label: "test"))
        defer {
            hold.release()
            endpoint.stop()
            app.requestStop()
            if let error = app.join() { Issue.record("worker ended with an error: \(error)") }
        }
        try waitUntil("the restoration of 0_0 is held") { hold.isReached }
        let during = try EndpointClient.get(port: endpoint.port, "/ready")
        #expect(during.status == 503)
        // 0_1's ten records may still be restoring too; 0_0 is held.
        #expect(during.body.hasPrefix("restoring task(s) 0_0"))
        #expect(during.body.hasSuffix(" from their changelogs\n"))
        #expect(try EndpointClient.get(port: endpoint.port, "/health").status == 200)

        hold.release()
        try waitUntil("/ready answers 200") { try EndpointClient.get(port: endpoint.port, "/ready").status == 200 }
        #expect(try EndpointClient.get(port: endpoint.port, "/ready").body == "ok\n")
    }

    @Test func unhealthyOnceAThreadDiedUnreplaced() throws {
        let cluster = try Cluster()
        try ProductionHandlerTests().produceOneTooLarge(cluster)
        let dir = TemporaryDirectory()
        var logger = Logger(label: "eddy.test")
        logger.logLevel = .critical
        let app = try StreamsApp(
            config: try ProductionHandlerTests().app(cluster, dir, handler: "fail"), logger: logger)
        try app.start()
        let endpoint = try WorkerEndpoint(app: app, bind: "127.0.0.1", port: 0, logger: logger)
        defer { endpoint.stop() }
        _ = app.join()  // the thread dies on the record too large; shutdown_client stops the worker
        let health = try EndpointClient.get(port: endpoint.port, "/health")
        #expect(health.status == 503)
        #expect(
            health.body.hasPrefix(
                "the worker is stopping: stream thread 0 died: the producer refused a record of 4001 bytes for copies"))
        #expect(try EndpointClient.get(port: endpoint.port, "/ready").status == 503)
    }
}
