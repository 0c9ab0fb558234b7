import EddyRuntime
import Foundation
import Hummingbird
import NIOCore

/// Interactive queries under `/stores/<store>/…` and the application's metadata under
/// `/metadata`, on every worker:
///
/// - `keys/<key>`, `windows/<key>?from=&to=` and `sessions/<key>` go to the worker running
///   the key's task (Kafka's default partitioner over the store's input partitions, the
///   owner from the metadata topic), asked over HTTP when it is another;
/// - `range?from=&to=`, `all` and `prefix/<prefix>` ask every live worker and merge, and
///   answer only when every partition was answered.
///
/// A global store's queries are answered by the worker asked, from its own copy (503 while it
/// bootstraps). A task restoring, migrating or without a live owner answers 503 with the
/// reason, never a value. Stores are read only by their stream threads (see ``StreamsApp/queryLocally``).
/// Workers ask each other with `?local=<partitions>|all`, answered in ``QueryWire`` form.
struct StoreQueryRoutes {
    let app: StreamsApp
    /// How long a stream thread, or another worker, may take to answer.
    let timeout: Duration

    func register(on router: Router<BasicRequestContext>) {
        router.get("stores/:store") { _, context in
            do {
                let store = try Target(app: app, name: Self.decoded(context.parameters.get("store"))).store
                var object: [String: Any] = [
                    "name": store.name, "kind": store.kind.rawValue, "keySerde": store.keySerde,
                    "valueSerde": store.valueSerde,
                    "subTopology": store.subTopology,
                ]
                object["windowSize"] = store.windowSizeMs
                if store.isGlobal {
                    object["subTopology"] = nil
                    object["global"] = true
                }
                return Self.json(status: .ok, object: object)
            } catch let error as QueryFailure {
                return error.response
            } catch {
                return QueryFailure(.badRequest, "\(error)").response
            }
        }
        router.get("stores/:store/keys/:key") { request, context in
            await handle(request, context) { try .get(key: $0.key(context.parameters.get("key"))) }
        }
        router.get("stores/:store/range") { request, context in
            await handle(request, context) { store in
                let query = request.uri.queryParameters
                return .range(
                    from: try query.get("from").map { try store.key($0) },
                    to: try query.get("to").map { try store.key($0) })
            }
        }
        router.get("stores/:store/all") { request, context in await handle(request, context) { _ in .all } }
        router.get("stores/:store/prefix/:prefix") { request, context in
            await handle(request, context) { .prefix(try $0.key(context.parameters.get("prefix"))) }
        }
        router.get("stores/:store/windows/:key") { request, context in
            await handle(request, context) { store in
                let query = request.uri.queryParameters
                return .windowFetch(
                    key: try store.key(context.parameters.get("key")),
                    from: try Self.time(query.get("from"), "from", default: 0),
                    to: try Self.time(query.get("to"), "to", default: .max))
            }
        }
        router.get("stores/:store/sessions/:key") { request, context in
            await handle(request, context) { .sessionFetch(key: try $0.key(context.parameters.get("key"))) }
        }
        router.get("metadata") { _, _ in Self.json(status: .ok, encodable: app.allMetadata()) }
        router.get("metadata/stores/:store/keys/:key") { _, context in
            do {
                let store = try Target(app: app, name: Self.decoded(context.parameters.get("store")))
                return Self.json(
                    status: .ok,
                    encodable: try app.metadata(
                        forStore: store.store.name, key: store.key(context.parameters.get("key"))))
            } catch let error as QueryFailure {
                return error.response
            } catch {
                return QueryFailure(.badRequest, "\(error)").response
            }
        }
    }

    // MARK: - Answering

    private func handle(
        _ request: Request, _ context: BasicRequestContext, _ operation: (Target) throws -> StoreQuery.Operation
    ) async -> Response {
        do {
            let target = try Target(app: app, name: Self.decoded(context.parameters.get("store")))
            let query = StoreQuery(store: target.store.name, operation: try operation(target))
            try target.check(query.operation)
            if target.store.isGlobal {
                let entries: [QueriedEntry]
                do {
                    entries = try app.queryGlobalStore(query)
                } catch {
                    throw QueryFailure(error.retry ? .serviceUnavailable : .badRequest, error.reason)
                }
                return try render(query, target: target, entries: entries)
            }
            if let local = request.uri.queryParameters.get("local") {
                let partitions = local == "all" ? nil : local.split(separator: ",").compactMap { Int32($0) }
                let answer = await app.queryLocally(query, partitions: partitions, timeout: timeout)
                return Self.json(status: .ok, encodable: QueryWire(answer))
            }
            if let key = query.operation.key {
                return try await single(query, key: key, target: target)
            }
            return try await fanOut(query, target: target, path: request.uri.path)
        } catch let failure as QueryFailure {
            return failure.response
        } catch {
            return QueryFailure(.badRequest, "\(error)").response
        }
    }

    /// A one-key query: answered by the worker running the key's task.
    private func single(_ query: StoreQuery, key: [UInt8], target: Target) async throws -> Response {
        let where_ = try app.metadata(forStore: query.store, key: key)
        guard let owner = where_.active else {
            let restoring =
                where_.restoring.isEmpty
                ? "" : " (instance(s) \(where_.restoring.joined(separator: ", ")) restoring it)"
            throw QueryFailure(
                .serviceUnavailable,
                "task \(where_.task) of store '\(query.store)' has no running owner\(restoring); retry shortly")
        }
        let answer: LocalQueryAnswer
        if owner.instanceId == app.metadata?.instanceId {
            answer = await app.queryLocally(query, partitions: [where_.partition], timeout: timeout)
        } else {
            guard let server = owner.server else {
                throw QueryFailure(
                    .serviceUnavailable,
                    "task \(where_.task) runs on instance \(owner.instanceId), which has no application.server to ask")
            }
            switch await PeerClient.ask(
                server, path: Self.forwardPath(query, target: target, local: "\(where_.partition)"), timeout: timeout)
            {
            case .success(let one): answer = one
            case .failure(let error): throw QueryFailure(.serviceUnavailable, "\(error)")
            }
        }
        guard answer.partitions.contains(where_.partition) else {
            throw QueryFailure(
                .serviceUnavailable, answer.unavailable[where_.partition] ?? "task \(where_.task) did not answer")
        }
        return try render(query, target: target, entries: answer.entries)
    }

    /// A query of every partition: each live worker answers for its tasks; the answer stands
    /// only when every partition was answered.
    private func fanOut(_ query: StoreQuery, target: Target, path: String) async throws -> Response {
        let members =
            try app.allMetadata(forStore: query.store) + app.allMetadata().filter { !$0.restoringTasks.isEmpty }
        var merged = LocalQueryAnswer()
        var reasons: [String] = []
        var asked: Set<String> = []
        for member in members where asked.insert(member.instanceId).inserted {
            if member.instanceId == app.metadata?.instanceId {
                merged.merge(await app.queryLocally(query, partitions: nil, timeout: timeout))
            } else if let server = member.server {
                switch await PeerClient.ask(
                    server, path: Self.forwardPath(query, target: target, local: "all"), timeout: timeout)
                {
                case .success(let answer): merged.merge(answer)
                case .failure(let error): reasons.append("\(error)")
                }
            } else {
                reasons.append(
                    "instance \(member.instanceId) runs tasks of '\(query.store)' but has no application.server to ask")
            }
        }
        let missing = (0..<target.partitions).filter { !merged.partitions.contains($0) }
        guard missing.isEmpty else {
            let why = missing.map { partition in
                let task = TaskId(subTopology: target.store.subTopology, partition: partition)
                return merged.unavailable[partition] ?? "no live worker runs task \(task)"
            }
            throw QueryFailure(.serviceUnavailable, (why + reasons).joined(separator: "; "))
        }
        return try render(query, target: target, entries: merged.entries)
    }

    // MARK: - Rendering

    private func render(_ query: StoreQuery, target: Target, entries: [QueriedEntry]) throws -> Response {
        let store = target.store
        let sorted = entries.sorted { a, b in
            a.key.lexicographicallyPrecedes(b.key)
                || (a.key == b.key && (a.start ?? 0, a.end ?? 0) < (b.start ?? 0, b.end ?? 0))
        }
        func value(_ bytes: [UInt8], _ serde: String) -> Any {
            bytes.withUnsafeBytes { StoredValue($0, serde: serde).json }
        }
        /// The key and value, and the timestamp a timestamped store (a table's, an
        /// aggregation's, a windowed aggregation's) keeps with its value.
        func keyValue(_ entry: QueriedEntry) -> [String: Any] {
            let stored = entry.value.withUnsafeBytes { StoredValue($0, serde: store.valueSerde) }
            return stored.addingTimestamp(to: ["key": value(entry.key, store.keySerde), "value": stored.json])
        }
        if case .get = query.operation {
            guard let entry = sorted.first else {
                throw QueryFailure(
                    .notFound, "no key \(Self.text(query.operation.key!, store.keySerde)) in store '\(store.name)'")
            }
            return Self.json(status: .ok, object: keyValue(entry))
        }
        let results: [[String: Any]] = sorted.map { entry in
            var object = keyValue(entry)
            switch store.kind {
            case .window:
                object["windowStart"] = entry.start
                object["windowEnd"] = entry.end
            case .session:
                object["sessionStart"] = entry.start
                object["sessionEnd"] = entry.end
            case .keyValue:
                break
            }
            return object
        }
        return Self.json(status: .ok, object: ["results": results])
    }

    private static func text(_ key: [UInt8], _ serde: String) -> String {
        key.withUnsafeBytes { StoredValue($0, serde: serde).text }
    }

    /// The path another worker answers this query's part on, with `local=…`.
    private static func forwardPath(_ query: StoreQuery, target: Target, local: String) -> String {
        let store = escape(target.store.name)
        func key(_ bytes: [UInt8]) -> String { escape(text(bytes, target.store.keySerde)) }
        let path: String
        switch query.operation {
        case .get(let k): path = "keys/\(key(k))?"
        case .range(let from, let to):
            path = "range?" + (from.map { "from=\(key($0))&" } ?? "") + (to.map { "to=\(key($0))&" } ?? "")
        case .all: path = "all?"
        case .prefix(let p): path = "prefix/\(key(p))?"
        case .windowFetch(let k, let from, let to): path = "windows/\(key(k))?from=\(from)&to=\(to)&"
        case .sessionFetch(let k): path = "sessions/\(key(k))?"
        }
        return "/stores/\(store)/\(path)local=\(local)"
    }

    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? text
    }

    static func decoded(_ text: String?) -> String {
        guard let text else { return "" }
        return text.removingPercentEncoding ?? text
    }

    private static func time(_ text: String?, _ name: String, default value: Int64) throws -> Int64 {
        guard let text else { return value }
        guard let time = Int64(text) else {
            throw QueryFailure(
                .badRequest, "\(name)=\(text) is not a time — give epoch milliseconds, e.g. \(name)=1700000000000")
        }
        return time
    }

    static func json(status: HTTPResponse.Status, object: Any) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data + [0x0a])))
    }

    static func json(status: HTTPResponse.Status, encodable: some Encodable) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(encodable)) ?? Data("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data + [0x0a])))
    }
}

/// The store a request names, with its partition count, and the key text turned into bytes.
private struct Target {
    let store: QueryableStore
    let partitions: Int32

    init(app: StreamsApp, name: String) throws {
        if let global = app.globalQueryableStores[name] {
            (store, partitions) = (global, 1)
            return
        }
        do {
            (store, partitions) = try app.lookup(name)
        } catch {
            throw QueryFailure(error.kind == .unknownStore ? .notFound : .serviceUnavailable, error.description)
        }
    }

    func key(_ text: String?) throws -> [UInt8] {
        do {
            return try StoredValue.encode(StoreQueryRoutes.decoded(text), serde: store.keySerde, store: store.name)
        } catch {
            throw QueryFailure(.badRequest, "\(error)")
        }
    }

    /// A key-value operation on a window store and the like are refused with what fits.
    func check(_ operation: StoreQuery.Operation) throws {
        let fits: Bool
        switch (store.kind, operation) {
        case (.keyValue, .get), (.keyValue, .range), (.keyValue, .all), (.keyValue, .prefix): fits = true
        case (.window, .windowFetch), (.session, .sessionFetch): fits = true
        default: fits = false
        }
        guard fits else {
            let routes =
                switch store.kind {
                case .keyValue: "keys/<key>, range?from=&to=, all, prefix/<prefix>"
                case .window: "windows/<key>?from=&to="
                case .session: "sessions/<key>"
                }
            throw QueryFailure(
                .badRequest,
                "store '\(store.name)' is a \(store.kind.rawValue) store; query it with /stores/\(store.name)/\(routes)"
            )
        }
    }
}

/// A query answered with an error status and the reason, as `{"error": "…"}`.
struct QueryFailure: Error {
    let status: HTTPResponse.Status
    let reason: String

    init(_ status: HTTPResponse.Status, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    var response: Response { StoreQueryRoutes.json(status: status, object: ["error": reason]) }
}
