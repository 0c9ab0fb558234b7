import ArgumentParser
import EddyRuntime
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `--live` and where to ask, for `eddy store get|dump`.
struct LiveStoreOptions: ParsableArguments {
    @Flag(
        name: .long,
        help: "Ask the running application through a worker's HTTP endpoint instead of reading local state.")
    var live = false
    @Option(
        name: .long,
        help: "The worker endpoint to ask (host:port; default: application.server of the application file).")
    var server: String?
}

/// `eddy store get|dump --live`: the interactive queries of a running application
/// (`GET /stores/<store>/…` on any worker), printed as `eddy store` prints local state.
struct LiveStoreQuery {
    let location: StoreCommand.Location
    let options: LiveStoreOptions

    /// Prints the value of `key` (every window or session of it, for those stores).
    func get(_ key: String) throws {
        let server = try endpoint()
        let info = try fetch(server, "/stores/\(escape(location.store))")
        let kind = info["kind"] as? String ?? "key-value"
        switch kind {
        case "window":
            let answer = try fetch(server, "/stores/\(escape(location.store))/windows/\(escape(key))")
            for entry in answer["results"] as? [[String: Any]] ?? [] {
                print(line(entry, ["windowStart", "windowEnd", "value"]))
            }
        case "session":
            let answer = try fetch(server, "/stores/\(escape(location.store))/sessions/\(escape(key))")
            for entry in answer["results"] as? [[String: Any]] ?? [] {
                print(line(entry, ["key", "sessionStart", "sessionEnd", "value"]))
            }
        default:
            let answer = try fetch(server, "/stores/\(escape(location.store))/keys/\(escape(key))")
            print(line(answer, ["value"]))
        }
    }

    /// Prints every entry of a key-value store, by key.
    func all() throws {
        let answer = try fetch(try endpoint(), "/stores/\(escape(location.store))/all")
        for entry in answer["results"] as? [[String: Any]] ?? [] { print(line(entry, ["key", "value"])) }
    }

    // MARK: - Private

    private func endpoint() throws -> String {
        if let server = options.server { return server }
        let config = try AppConfig.load(path: location.app)
        guard let server = config.operations.server else {
            throw StoreCommandError(
                "\(location.app) has no application.server, so its workers have no endpoint to ask — give one with --server host:port"
            )
        }
        return server.description
    }

    /// One line: the fields tab-separated, or the entry as JSON with `--format json`.
    private func line(_ entry: [String: Any], _ fields: [String]) -> String {
        guard location.format == .text else { return StoredValue.jsonLine(entry) }
        return fields.map { field in entry[field].map { "\($0)" } ?? "" }.joined(separator: "\t")
    }

    private func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? text
    }

    /// GETs `path` and returns the JSON object; an error status becomes the endpoint's reason.
    private func fetch(_ server: String, _ path: String) throws -> [String: Any] {
        guard let url = URL(string: "http://\(server)\(path)") else {
            throw StoreCommandError("\(server) is not host:port")
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Result<(Int, Data), any Error> = .failure(
            StoreCommandError("GET \(url) timed out"))
        let task = URLSession.shared.dataTask(with: URLRequest(url: url, timeoutInterval: 15)) {
            data, response, error in
            if let error {
                result = .failure(error)
            } else {
                result = .success(((response as? HTTPURLResponse)?.statusCode ?? 0, data ?? Data()))
            }
            done.signal()
        }
        task.resume()
        _ = done.wait(timeout: .now() + 20)
        let (status, data): (Int, Data)
        do {
            (status, data) = try result.get()
        } catch {
            throw StoreCommandError(
                "cannot reach the worker endpoint \(server): \(error.localizedDescription) — is the application running with application.server \(server)?"
            )
        }
        let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        guard status == 200 else {
            throw StoreCommandError(
                "\(server) answered \(status): \(object["error"] as? String ?? String(decoding: data, as: UTF8.self))")
        }
        return object
    }
}
