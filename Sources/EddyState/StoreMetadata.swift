import Foundation

/// The small `EDDY-STORE` file in every persistent store's directory: format version, store
/// kind, serdes and layout. Written once, atomically, before RocksDB creates anything, and
/// checked on every open: a directory without it is foreign, an unreadable one is corrupt,
/// and one that disagrees with the declaration is refused — nothing is overwritten silently.
///
/// Format: a header line, then `key=value` lines.
struct StoreMetadata: Equatable {
    static let fileName = "EDDY-STORE"
    static let header = "# Eddy state store metadata: written by Eddy, do not edit"
    static let formatVersion = 1

    var fields: [String: String]

    init(spec: StoreSpec) {
        fields = [
            "format.version": String(Self.formatVersion),
            "store.name": spec.name,
            "store.kind": spec.kind.name,
            "key.serde": spec.keySerde,
            "value.serde": spec.valueSerde,
        ]
        if case let .window(_, segmentIntervalMs) = spec.kind {
            fields["window.segment.ms"] = String(segmentIntervalMs)
        }
        if case let .session(_, segmentIntervalMs) = spec.kind {
            fields["session.segment.ms"] = String(segmentIntervalMs)
        }
        if let windowSizeMs = spec.windowSizeMs {
            fields["window.size.ms"] = String(windowSizeMs)
        }
    }

    private init(fields: [String: String]) {
        self.fields = fields
    }

    /// Creates `directory` if needed and checks or writes its metadata for `spec`.
    static func prepare(directory: String, spec: StoreSpec) throws {
        let files = FileManager.default
        let file = directory + "/" + fileName
        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw StateStoreError.foreignDirectory(
                    directory: directory, found: ["(a regular file, not a directory)"])
            }
            if files.fileExists(atPath: file) {
                try read(file).check(against: StoreMetadata(spec: spec), directory: directory)
                return
            }
            let contents = (try? files.contentsOfDirectory(atPath: directory)) ?? []
            if !contents.isEmpty {
                throw StateStoreError.foreignDirectory(directory: directory, found: contents.sorted())
            }
        } else {
            try createDirectories(directory)
        }
        try AtomicFile.write(StoreMetadata(spec: spec).encoded(), to: file)
    }

    // MARK: - Private

    private func encoded() -> String {
        ([Self.header] + fields.keys.sorted().map { "\($0)=\(fields[$0]!)" }).joined(separator: "\n") + "\n"
    }

    private static func read(_ file: String) throws -> StoreMetadata {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw StateStoreError.fileSystem(operation: "read", path: file, reason: "the file cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StateStoreError.corruptMetadata(file: file, reason: "it is not UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard lines.first.map(String.init) == header else {
            throw StateStoreError.corruptMetadata(file: file, reason: "the first line is not Eddy's metadata header")
        }
        lines.removeFirst()
        var fields: [String: String] = [:]
        for (number, line) in lines.enumerated() {
            guard let equals = line.firstIndex(of: "=") else {
                throw StateStoreError.corruptMetadata(file: file, reason: "line \(number + 2) has no '='")
            }
            fields[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        for required in ["format.version", "store.name", "store.kind", "key.serde", "value.serde"]
        where fields[required] == nil {
            throw StateStoreError.corruptMetadata(file: file, reason: "the field \(required) is missing")
        }
        guard fields["format.version"] == String(formatVersion) else {
            throw StateStoreError.corruptMetadata(
                file: file,
                reason: "format version \(fields["format.version"]!) is not \(formatVersion), the one this Eddy reads")
        }
        return StoreMetadata(fields: fields)
    }

    private func check(against declared: StoreMetadata, directory: String) throws {
        for field in [
            "store.name", "store.kind", "key.serde", "value.serde", "window.segment.ms", "session.segment.ms",
            "window.size.ms",
        ] {
            let onDisk = fields[field] ?? "(none)"
            let wanted = declared.fields[field] ?? "(none)"
            if field == "value.serde", wanted == "timestamped:" + onDisk {
                throw StateStoreError.plainTableLayout(directory: directory, valueSerde: onDisk)
            }
            if onDisk != wanted {
                throw StateStoreError.incompatibleStore(
                    directory: directory, field: field, onDisk: onDisk, declared: wanted)
            }
        }
    }
}
