import EddyRuntime
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A worker's HTTP endpoint on `application.server` (listening on `application.server.bind`):
///
/// - `GET /metrics`: Prometheus text format (see ``PrometheusExporter``);
/// - `GET /health`: 200 while the process and every stream thread live, 503 with the reason;
/// - `GET /ready`: 200 when every thread has its assignment and no task restores, 503 with
///   the reason otherwise;
/// - `GET /stores/<store>/…` and `GET /metadata`: interactive queries, any worker answering
///   for any key (see ``StoreQueryRoutes``).
///
/// Served by Hummingbird on an executor with one thread of its own (``SingleThreadExecutor``)
/// and an event loop of its own; a sampler thread takes the stream threads' counters once a
/// second, so a scrape never touches a stream thread.
public final class WorkerEndpoint: Sendable {
    /// The port the endpoint listens on (the configured one, or the one the system chose for 0).
    public let port: Int
    private let executor: SingleThreadExecutor
    private let group: MultiThreadedEventLoopGroup
    private let services: ServiceGroup
    private let server: Task<Void, any Error>
    private let sampling = Atomic<Bool>(true)
    /// The listening socket, once bound.
    private let bound: BoundPort
    private let samplerDone = DispatchSemaphore(value: 0)

    /// Starts listening on `bind:port` and returns once the socket is bound; throws when it
    /// cannot be.
    public init(app: StreamsApp, bind: String, port: Int, logger: Logger) throws {
        let ring = MetricsRing()
        let exporter = PrometheusExporter()
        let scrapes = Mutex<Void>(())
        let router = Router()
        router.get("metrics") { _, _ -> Response in
            let text = scrapes.withLock { _ in exporter.scrape(app, ring: ring) }
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        }
        router.get("health") { _, _ in Self.probe(app.health()) }
        router.get("ready") { _, _ in Self.probe(app.readiness()) }
        StoreQueryRoutes(app: app, timeout: .seconds(5)).register(on: router)

        executor = SingleThreadExecutor(name: "eddy-http")
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bound = BoundPort()
        self.bound = bound
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname(bind, port: port), serverName: "eddy"),
            onServerRunning: { channel in bound.set(channel, port: channel.localAddress?.port ?? port) },
            eventLoopGroupProvider: .shared(group), logger: logger)
        let services = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        self.services = services
        server = Task(executorPreference: executor) {
            do {
                try await services.run()
            } catch {
                bound.fail(error)
                throw error
            }
        }
        do {
            self.port = try bound.wait()
        } catch {
            server.cancel()
            try? group.syncShutdownGracefully()
            executor.shutdown()
            throw EndpointError(bind: bind, port: port, reason: "\(error)")
        }
        Thread { [self] in
            while sampling.load(ordering: .relaxed) {
                ring.add(app.sampleThreads())
                Thread.sleep(forTimeInterval: 1)
            }
            samplerDone.signal()
        }.start()
        logger.info("HTTP endpoint on \(bind):\(self.port): /metrics, /health, /ready, /stores, /metadata")
    }

    /// Stops serving: lets requests in flight finish, closes every socket, and ends the
    /// endpoint's threads.
    ///
    /// Blocks its caller for at most 2 s. The graceful part needs Swift's shared cooperative
    /// pool (the server library starts unstructured tasks, which do not inherit the endpoint's
    /// executor); when callers have blocked that pool (as parallel tests do), the listening
    /// socket is closed at once and the rest finishes when the pool is free again, so a stop
    /// never deadlocks.
    public func stop() {
        sampling.store(false, ordering: .relaxed)
        samplerDone.wait()
        let done = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) { [services, server] in
            await services.triggerGracefulShutdown()
            _ = await server.result
            done.signal()
        }
        let finish: @Sendable () -> Void = { [group, executor] in
            try? group.syncShutdownGracefully()
            executor.shutdown()
        }
        if done.wait(timeout: .now() + 2) == .success {
            finish()
        } else {
            _ = try? bound.channel?.close().wait()
            Thread {
                done.wait()
                finish()
            }.start()
        }
    }

    private static func probe(_ result: ProbeResult) -> Response {
        Response(
            status: result.ok ? .ok : .serviceUnavailable, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: result.reason + "\n")))
    }
}

/// The endpoint could not listen where it was told to.
public struct EndpointError: Error, CustomStringConvertible {
    public let bind: String
    public let port: Int
    public let reason: String

    public var description: String {
        "the HTTP endpoint cannot listen on \(bind):\(port): \(reason) — free the port, or change application.server "
            + "(and application.server.bind)"
    }
}

/// The port the server bound and its listening socket, handed from its start-up to the
/// caller waiting for it.
private final class BoundPort: Sendable {
    private let result = Mutex<Result<Int, any Error>?>(nil)
    private let listener = Mutex<(any Channel)?>(nil)
    private let ready = DispatchSemaphore(value: 0)

    var channel: (any Channel)? { listener.withLock { $0 } }

    func set(_ channel: any Channel, port: Int) {
        listener.withLock { $0 = channel }
        finish(.success(port))
    }
    func fail(_ error: any Error) { finish(.failure(error)) }

    func wait() throws -> Int {
        ready.wait()
        ready.signal()
        return try result.withLock { $0! }.get()
    }

    private func finish(_ value: Result<Int, any Error>) {
        let first = result.withLock { result in
            defer { if result == nil { result = value } }
            return result == nil
        }
        if first { ready.signal() }
    }
}
