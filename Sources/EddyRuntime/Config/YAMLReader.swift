import EddyEngine
import EddySDK
import Yams

/// Reads one YAML mapping with key-path tracking, so that every error names the file, the
/// line and the key, and unknown keys are refused instead of ignored.
struct YAMLReader {
    let file: String
    let path: String
    let node: Node
    private let mapping: Node.Mapping

    init(file: String, path: String, node: Node) throws(AppConfigError) {
        self.file = file
        self.path = path
        self.node = node
        guard let mapping = node.mapping else {
            throw AppConfigError(
                file: file, line: Self.line(of: node), key: path, message: "expected a mapping of key: value")
        }
        self.mapping = mapping
    }

    static func line(of node: Node) -> Int? { node.mark.map { $0.line } }

    func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    func error(_ name: String, _ message: String, at node: Node? = nil) -> AppConfigError {
        AppConfigError(file: file, line: Self.line(of: node ?? self.node), key: key(name), message: message)
    }

    /// The keys present, in file order.
    var keys: [String] { mapping.keys.compactMap(\.string) }

    subscript(name: String) -> Node? { mapping[name] }

    /// Refuses keys this mapping does not know (nor start with one of `prefixes`),
    /// suggesting the closest known one.
    func rejectUnknownKeys(prefixes: [String] = [], _ known: [String]) throws(AppConfigError) {
        for (keyNode, _) in mapping {
            guard let name = keyNode.string, !known.contains(name), !prefixes.contains(where: name.hasPrefix) else {
                continue
            }
            let hint = Suggestion.didYouMean(name, among: known)
            throw AppConfigError(
                file: file, line: Self.line(of: keyNode), key: key(name),
                message: "unknown key\(hint) (known keys here: \(known.joined(separator: ", ")))")
        }
    }

    func string(_ name: String) throws(AppConfigError) -> String? {
        guard let value = mapping[name] else { return nil }
        guard let scalar = value.scalar else { throw error(name, "expected a single value", at: value) }
        return scalar.string
    }

    func requiredString(_ name: String, _ example: String) throws(AppConfigError) -> String {
        guard let value = try string(name), !value.isEmpty else {
            throw error(name, "is required — add e.g. `\(name): \(example)`")
        }
        return value
    }

    func int(_ name: String, range: ClosedRange<Int>) throws(AppConfigError) -> Int? {
        guard let text = try string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw error(
                name, "'\(text)' is not a whole number in \(range.lowerBound)...\(range.upperBound)", at: mapping[name])
        }
        return value
    }

    func bool(_ name: String) throws(AppConfigError) -> Bool? {
        guard let text = try string(name) else { return nil }
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(name, "'\(text)' is not true or false", at: mapping[name])
        }
    }

    func choice<T: RawRepresentable>(_ name: String, _ type: T.Type) throws(AppConfigError) -> T?
    where T.RawValue == String, T: CaseIterable {
        guard let text = try string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            throw error(
                name, "'\(text)' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))", at: mapping[name]
            )
        }
        return value
    }

    /// A serde name (``SerdeName``, the SDK's vocabulary). A name from Kafka Streams'
    /// vocabulary (`long`, `Integer`, `double`) is refused with the name to write instead.
    func serde(_ name: String) throws(AppConfigError) -> SerdeName? {
        guard let text = try string(name) else { return nil }
        if let serde = SerdeName(rawValue: text) { return serde }
        let names = SerdeName.allCases.map(\.rawValue).joined(separator: ", ")
        if let suggestion = SerdeName.suggestion(for: text) {
            throw error(
                name, "'\(text)' is not an Eddy serde name: write \(suggestion.rawValue) (the names are \(names))",
                at: mapping[name])
        }
        throw error(name, "'\(text)' is not one of \(names)", at: mapping[name])
    }

    /// A list of strings, also accepting a single string or a comma-separated one.
    func stringList(_ name: String) throws(AppConfigError) -> [String]? {
        guard let value = mapping[name] else { return nil }
        if let sequence = value.sequence {
            var items: [String] = []
            for item in sequence {
                guard let text = item.scalar?.string, !text.isEmpty else {
                    throw error(name, "expected a list of names", at: item)
                }
                items.append(text)
            }
            return items
        }
        guard let text = value.scalar?.string else { throw error(name, "expected a list of names", at: value) }
        return text.split(separator: ",").map { String($0).trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
    }

    /// A flat mapping of strings (e.g. `kafka:` or a processor's `config:`).
    func stringMap(_ name: String) throws(AppConfigError) -> [String: String] {
        guard let value = mapping[name] else { return [:] }
        let reader = try YAMLReader(file: file, path: key(name), node: value)
        var result: [String: String] = [:]
        for entry in reader.keys {
            guard let text = try reader.string(entry) else { continue }
            result[entry] = text
        }
        return result
    }

    /// Each item of a list of mappings, as a reader with its index in the path.
    func list(_ name: String) throws(AppConfigError) -> [YAMLReader] {
        guard let value = mapping[name] else { return [] }
        guard let sequence = value.sequence else { throw error(name, "expected a list", at: value) }
        var readers: [YAMLReader] = []
        for (index, item) in sequence.enumerated() {
            readers.append(try YAMLReader(file: file, path: "\(key(name))[\(index)]", node: item))
        }
        return readers
    }

    func child(_ name: String) throws(AppConfigError) -> YAMLReader? {
        guard let value = mapping[name] else { return nil }
        return try YAMLReader(file: file, path: key(name), node: value)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
