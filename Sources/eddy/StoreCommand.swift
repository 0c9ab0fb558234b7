import ArgumentParser
import EddyRuntime
import EddyState
import Foundation

/// `eddy store dump|get`: read the local state a stopped worker left in its `state.dir`,
/// printed with each store's declared serdes. The debugging tool for "what does the store
/// really hold?".
struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Read a stopped worker's local state stores, or a running application's with --live.",
        discussion: """
            With --live, asks a running application instead, through a worker's HTTP endpoint
            (application.server of the application file, or --server): any worker answers for any
            key, from committed state; get prints the value (window stores: start, end, value per
            window; session stores: key, start, end, value per session), dump every entry of a
            key-value store as key and value. A task restoring or migrating fails with the reason.

            Reads state.dir/<application.id>/<task>/<store> read-only, with the task directory locked:
            a running worker holds that lock, so stop it first. Keys and values are printed with the
            serdes the store was created with: string and json as text, integers (i64, i32, u64) and
            f64 as decimals, anything else as hex. Window stores print one line per window, with the
            window's start and end (epoch ms, the end exclusive) after the key, in stored order: by
            time segment, then key and window start. Session stores print one line per session:
            task, key, the session's start and end (epoch ms, both inclusive) and value, in stored
            order: by time segment of the session end, then key length, key, end and start.
            """,
        subcommands: [Dump.self, Get.self])

    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// Tab-separated columns.
        case text
        /// One JSON object per line.
        case json
    }

    /// Where the state is, shared by both subcommands.
    struct Location: ParsableArguments {
        @Argument(help: "The application file (for application.id and state.dir).") var app: String
        @Argument(help: "The store name, as the topology declares it.") var store: String
        @Option(name: .long, help: "Only this task, e.g. 1_3 (default: every task that has the store).") var task:
            String?
        @Option(name: .customLong("state-dir"), help: "Override state.dir (as given to eddy run --state-dir).")
        var stateDir: String?
        @Option(name: .shortAndLong, help: "Output: text (tab-separated) or json (one object per line).")
        var format: Format = .text

        /// The stores named `store` on disk, in task order, or an error listing what exists.
        func selectStores() throws -> (StateInspector, [StateInspector.StoreOnDisk]) {
            let config = try AppConfig.load(path: app)
            let inspector = try StateInspector(root: stateDir ?? config.stateDir, applicationId: config.applicationId)
            let all = try inspector.stores()
            guard !all.isEmpty else {
                throw StoreCommandError(
                    "no local state for application '\(config.applicationId)' in \(inspector.applicationPath): no worker "
                        + "has run here with this state.dir — check state.dir in \(app), or pass --state-dir")
            }
            let named = all.filter { $0.name == store }.sorted { Self.taskOrder($0.taskId, $1.taskId) }
            guard !named.isEmpty else {
                throw StoreCommandError(
                    "no store '\(store)' in \(inspector.applicationPath); stores there: "
                        + Set(all.map(\.name)).sorted().joined(separator: ", "))
            }
            guard let task else { return (inspector, named) }
            guard let one = named.first(where: { $0.taskId == task }) else {
                throw StoreCommandError(
                    "task \(task) has no store '\(store)' in \(inspector.applicationPath); tasks with it: "
                        + named.map(\.taskId).joined(separator: ", "))
            }
            return (inspector, [one])
        }

        /// Opens a store read-only, turning a held lock into the advice to stop the worker.
        func open(_ found: StateInspector.StoreOnDisk, with inspector: StateInspector) throws -> InspectedStore {
            guard ["keyValue", "window", "session"].contains(found.kind) else {
                throw StoreCommandError(
                    "store '\(found.name)' in \(found.directory) is a \(found.kind) store; eddy store reads key-value, window and session stores only"
                )
            }
            do {
                return try inspector.open(found)
            } catch StateStoreError.taskDirectoryLocked(let directory, let holder) {
                throw StoreCommandError(
                    "task directory \(directory) is locked by \(holder): a worker is running with this state — "
                        + "stop the worker first (eddy store reads only a stopped worker's state)")
            }
        }

        /// One window of a window store: task, key (left out of text lines with `withKey`
        /// false, as `get` leaves it out), window start, window end (exclusive; empty when the
        /// store's metadata does not record its window size) and value; in JSON also the
        /// timestamp a windowed aggregation's store keeps with the aggregate.
        func windowLine(
            _ found: StateInspector.StoreOnDisk, key: UnsafeRawBufferPointer, start: Int64,
            value: UnsafeRawBufferPointer,
            withKey: Bool = true
        ) -> String {
            let k = StoredValue(key, serde: found.keySerde), v = StoredValue(value, serde: found.valueSerde)
            let end = found.windowSizeMs.map { start + $0 }
            guard format == .json else {
                return
                    "\(found.taskId)\t\(withKey ? k.text + "\t" : "")\(start)\t\(end.map(String.init) ?? "")\t\(v.text)"
            }
            var object: [String: Any] = ["task": found.taskId, "key": k.json, "windowStart": start, "value": v.json]
            if let end { object["windowEnd"] = end }
            return StoredValue.jsonLine(v.addingTimestamp(to: object))
        }

        /// One session of a session store: `task key start end value`, or a JSON object with
        /// `sessionStart` and `sessionEnd`.
        func sessionLine(
            _ found: StateInspector.StoreOnDisk, key: UnsafeRawBufferPointer, start: Int64, end: Int64,
            value: UnsafeRawBufferPointer
        ) -> String {
            let k = StoredValue(key, serde: found.keySerde), v = StoredValue(value, serde: found.valueSerde)
            guard format == .json else { return "\(found.taskId)\t\(k.text)\t\(start)\t\(end)\t\(v.text)" }
            return StoredValue.jsonLine([
                "task": found.taskId, "key": k.json, "sessionStart": start, "sessionEnd": end, "value": v.json,
            ])
        }

        /// `1_2` before `1_10`; names that are not task ids after, by name.
        private static func taskOrder(_ a: String, _ b: String) -> Bool {
            switch (TaskId(a), TaskId(b)) {
            case let (x?, y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
    }

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print every entry of a store: task, key and value per line, in key order within each task (window stores: task, key, window start, window end, value; session stores: task, key, session start, session end, value)."
        )

        @OptionGroup var location: Location
        @OptionGroup var live: LiveStoreOptions

        func run() throws {
            if live.live { return try LiveStoreQuery(location: location, options: live).all() }
            let (inspector, stores) = try location.selectStores()
            for found in stores {
                let store = try location.open(found, with: inspector)
                defer { store.close() }
                var lines = ""
                func emit(_ line: String) {
                    lines += line + "\n"
                    if lines.utf8.count >= 1 << 16 {
                        FileHandle.standardOutput.write(Data(lines.utf8))
                        lines.removeAll(keepingCapacity: true)
                    }
                }
                if found.kind == "window" {
                    try store.forEachWindow { key, start, value in
                        emit(location.windowLine(found, key: key, start: start, value: value))
                    }
                } else if found.kind == "session" {
                    try store.forEachSession { key, start, end, value in
                        emit(location.sessionLine(found, key: key, start: start, end: end, value: value))
                    }
                } else {
                    try store.forEach { key, value in
                        let k = StoredValue(key, serde: found.keySerde), v = StoredValue(value, serde: found.valueSerde)
                        emit(
                            location.format == .text
                                ? "\(found.taskId)\t\(k.text)\t\(v.text)"
                                : StoredValue.jsonLine(
                                    v.addingTimestamp(to: ["task": found.taskId, "key": k.json, "value": v.json])))
                    }
                }
                FileHandle.standardOutput.write(Data(lines.utf8))
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Print the value of one key: the task that holds it and the value (window stores: each window of the key, with its start and end; session stores: each session of the key as task, key, start, end, value).",
            discussion: "The key is written as the store's key serde reads it: text, a decimal, or hex for bytes.")

        @OptionGroup var location: Location
        @OptionGroup var live: LiveStoreOptions
        @Argument(help: "The key.") var key: String

        func run() throws {
            if live.live { return try LiveStoreQuery(location: location, options: live).get(key) }
            let (inspector, stores) = try location.selectStores()
            var found = false
            for candidate in stores {
                let keyBytes = try StoredValue.encode(key, serde: candidate.keySerde, store: candidate.name)
                let store = try location.open(candidate, with: inspector)
                defer { store.close() }
                if candidate.kind == "window" {
                    try store.forEachWindow { k, start, value in
                        guard k.elementsEqual(keyBytes) else { return }
                        print(location.windowLine(candidate, key: k, start: start, value: value, withKey: false))
                        found = true
                    }
                    continue
                }
                if candidate.kind == "session" {
                    try store.forEachSession { k, start, end, value in
                        guard k.elementsEqual(keyBytes) else { return }
                        print(location.sessionLine(candidate, key: k, start: start, end: end, value: value))
                        found = true
                    }
                    continue
                }
                let line: String? = try keyBytes.withUnsafeBytes { k in
                    try store.get(k) { value in
                        value.map { value in
                            let v = StoredValue(value, serde: candidate.valueSerde)
                            return location.format == .text
                                ? "\(candidate.taskId)\t\(v.text)"
                                : StoredValue.jsonLine(
                                    v.addingTimestamp(to: [
                                        "task": candidate.taskId, "key": StoredValue(k, serde: candidate.keySerde).json,
                                        "value": v.json,
                                    ]))
                        }
                    }
                }
                if let line {
                    print(line)
                    found = true
                }
            }
            guard found else {
                throw StoreCommandError(
                    "key \(key) is not in store '\(location.store)' (tasks searched: \(stores.map(\.taskId).joined(separator: ", ")))"
                )
            }
        }
    }
}

/// A failure of `eddy store`, printed as `Error: <message>`.
struct StoreCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
