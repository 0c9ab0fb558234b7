import EddyRuntime
import Testing

/// The hot-reload tests' worker fixture stops its worker on every path out of a test. One left
/// running (a test that failed a bounded wait before calling `stop()`) kept running in the test
/// process after its broker stopped, reconnecting to that port until another test's broker
/// bound it, and then read and wrote that test's topics of the same names.
@Suite struct ReloadingWorkerTests {
    @Test func aWorkerATestNeverStoppedStopsWhenItsFixtureGoesAway() throws {
        var app: StreamsApp?
        do {
            let worker = try ReloadingWorker(watch: false)
            app = worker.app
        }
        #expect(app?.stopCause != nil, "the worker still runs")
    }
}
