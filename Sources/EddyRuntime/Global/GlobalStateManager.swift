import EddyEngine
import EddyHost
import EddyKafka
import EddyState

/// The worker's global stores (Kafka Streams' `GlobalStateManager`): one
/// ``GlobalKeyValueStateStore`` per global table of the topology, under
/// `state.dir/<application.id>/global/<store>` (RocksDB, or memory with `persistent: false`
/// in `topology.stores`), and the partitions of each table's topic that the global-store
/// thread reads into it. Every task reads them by name through a ``GlobalStoreView``.
///
/// The `global` directory is locked as a task directory is while the worker runs, so
/// `eddy store dump|get` reads a stopped worker's global stores (task `global`) and refuses a
/// running one's.
final class GlobalStateManager: @unchecked Sendable {
    /// One global table: its declaration, its store, and its topic's partitions.
    struct Table {
        let declaration: Topology.GlobalStore
        let store: GlobalKeyValueStateStore
        let partitions: [KafkaTopicPartition]
    }

    let tables: [Table]
    private let directory: TaskStateDirectory

    /// Opens the store of every global table in `topology`; `partitions` gives each table
    /// topic's partition count (every partition is read, whatever the stream's count).
    init(topology: Topology, config: AppConfig, partitions: [String: Int32], stateDirectory: StateDirectory) throws {
        directory = try stateDirectory.lockTask(Self.directoryName)
        var opened: [Table] = []
        do {
            for global in topology.globalStores {
                let options = config.topology.stores.first { $0.name == global.store.name }
                let spec = EddyState.StoreSpec(
                    name: global.store.name, keySerde: global.store.keySerde, valueSerde: global.store.valueSerde,
                    persistent: options?.persistent ?? true)
                let store = try GlobalKeyValueStateStore(
                    spec, directory: directory.storePath(global.store.name), environment: stateDirectory.environment)
                let count = partitions[global.topic] ?? 0
                opened.append(
                    Table(
                        declaration: global, store: store,
                        partitions: (0..<count).map { KafkaTopicPartition(topic: global.topic, partition: $0) }))
            }
        } catch {
            for table in opened { table.store.close() }
            directory.unlock()
            throw error
        }
        tables = opened
    }

    /// `state.dir/<application.id>/global`: not a task id, so state cleanup leaves it alone.
    static let directoryName = "global"

    /// Read-only views of every global store for task `taskId`, by store name.
    func views(forTask taskId: String) -> [GlobalStoreView] {
        tables.map { GlobalStoreView(store: $0.store, taskId: taskId) }
    }

    /// The global store named `name`, if there is one.
    func store(named name: String) -> GlobalKeyValueStateStore? {
        tables.first { $0.declaration.store.name == name }?.store
    }

    /// Closes every store; call once no stream thread reads them.
    func close() {
        for table in tables { table.store.close() }
        directory.unlock()
    }
}
