import EddyHost

/// A task's stores by name, as the builders of one node look them up: a store the node
/// declared that the task did not create (or created as another kind) is a ``GraphError``
/// that names the store, the node and the task.
struct TaskStoreLookup {
    let stores: [String: HostStore]
    let node: String
    let taskId: String
    /// The key-value stores whose values start with their timestamp (declared `timestamped:<serde>`).
    var timestamped: Set<String> = []

    func keyValue(_ name: String) throws -> any KeyValueStorage {
        guard case .keyValue(let store)? = stores[name]?.storage else { throw missing(name, kind: "key-value") }
        return store
    }

    /// The store of a `KTable`, read and written with timestamps where its layout has them.
    func table(_ name: String) throws -> TableStore {
        TableStore(try keyValue(name), timestamped: timestamped.contains(name))
    }

    func window(_ name: String) throws -> any WindowStorage {
        guard case .window(let store)? = stores[name]?.storage else { throw missing(name, kind: "window") }
        return store
    }

    func session(_ name: String) throws -> any SessionStorage {
        guard case .session(let store)? = stores[name]?.storage else { throw missing(name, kind: "session") }
        return store
    }

    private func missing(_ name: String, kind: String) -> GraphError {
        GraphError("\(kind) store \(name) of node \(node) was not created for task \(taskId)")
    }
}
