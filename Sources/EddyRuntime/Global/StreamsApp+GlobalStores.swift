import EddyKafka
import EddyState

extension StreamsApp {
    /// The partition count of every global table's topic, each its own (no co-partitioning
    /// applies); checked before anything is created, since every such topic must exist.
    func globalTablePartitions() throws -> [String: Int32] {
        guard !topology.globalStores.isEmpty else { return [:] }
        let admin = try KafkaAdmin(configuration: kafkaConfiguration, logger: logger)
        let metadata = try admin.metadata()
        var partitions: [String: Int32] = [:]
        for global in topology.globalStores {
            guard let found = metadata.topic(global.topic), found.error == nil, !found.partitions.isEmpty else {
                throw AppConfigError(
                    file: config.file, line: nil, key: "topology.tables",
                    message:
                        "global table topic '\(global.topic)' (store \(global.store.name)) does not exist — create it first, e.g. `eddy topic create \(global.topic) --partitions 1`"
                )
            }
            partitions[global.topic] = Int32(found.partitions.count)
        }
        return partitions
    }

    /// Opens the global stores and makes the global-store thread that keeps them, not yet
    /// started; nil when the topology has no global table. ``start()`` starts it and waits for
    /// its bootstrap before any stream thread starts (Kafka Streams' `KafkaStreams.start()`
    /// waits for its global thread alike); meanwhile ``readiness()`` says it bootstraps.
    func openGlobalStores(
        _ stateDirectory: StateDirectory, partitions: [String: Int32]
    ) throws -> (stores: GlobalStateManager, thread: GlobalStreamThread)? {
        guard !topology.globalStores.isEmpty else { return nil }
        let stores = try GlobalStateManager(
            topology: topology, config: config, partitions: partitions, stateDirectory: stateDirectory)
        return (
            stores,
            GlobalStreamThread(
                manager: stores, kafka: kafkaConfiguration, exactlyOnce: config.isExactlyOnce, logger: logger)
        )
    }

    /// Stops the global-store thread and closes the global stores; the stream threads must
    /// have ended (they read the stores until then).
    func stopGlobalStores() {
        guard let global else { return }
        global.thread.requestStop()
        global.thread.join()
        global.stores.close()
    }
}
