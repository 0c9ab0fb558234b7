import EddyKafka

extension StreamsApp {
    /// Joins the application's metadata topic: publishes this worker's endpoint and tasks, and
    /// stops this worker when another asks the application to shut down. Throws
    /// ``ApplicationShutdown`` when such a request stands already.
    func startMetadata(instanceId: String, supervisor: ThreadSupervisor) throws -> MetadataChannel {
        let channel = try MetadataChannel(
            kafka: kafkaConfiguration,
            topic: config.internalTopic(
                InstanceMetadata.topic(applicationId: config.applicationId), partitions: 1,
                configs: ["cleanup.policy": "compact"]),
            instanceId: instanceId, server: config.operations.server?.description,
            snapshot: {
                var running: Set<TaskId> = [], restoring: Set<TaskId> = []
                for thread in supervisor.threads {
                    thread.metrics.assignment.withLock {
                        running.formUnion($0.running)
                        restoring.formUnion($0.restoring)
                    }
                }
                return (running.sorted().map(\.description), restoring.sorted().map(\.description))
            }, logger: logger
        ) { [logger] request in
            let shutdown = ApplicationShutdown(requestedBy: request.instanceId, reason: request.shutdownRequest ?? "")
            logger.error("\(shutdown) — stopping this worker")
            supervisor.requestStop(.applicationShutdown(shutdown))
        }
        if case .applicationShutdown(let shutdown)? = supervisor.stopRequest {
            channel.stop()
            throw shutdown
        }
        channel.start()
        return channel
    }
}
