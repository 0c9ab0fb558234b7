import EddySDK

/// The config of a processor is wrong: which key, and what to change.
public struct ConfigResolutionError: Error, CustomStringConvertible, Equatable {
    public let processor: String
    public let key: String
    public let reason: String
    public var description: String { "processor \(processor): config \(key) \(reason)" }
}

/// Checks the config given to a processor against the keys it declares, and fills defaults.
public enum ConfigResolver {
    /// The config the processor will see: every given key known and well-typed, every
    /// declared key with a default filled in.
    ///
    /// - Throws: `ConfigResolutionError` for an unknown key, a value of the wrong type, or a
    ///   required key that is missing.
    public static func resolve(_ given: [String: String], for processor: String, declared: [ConfigKey]) throws
        -> [String: String]
    {
        let byName = Dictionary(declared.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for key in given.keys.sorted() where byName[key] == nil {
            let known = declared.map(\.name).sorted().joined(separator: ", ")
            throw ConfigResolutionError(
                processor: processor, key: key,
                reason: "is not a key this processor accepts (it accepts: \(known.isEmpty ? "none" : known))")
        }
        var resolved: [String: String] = [:]
        for key in declared {
            guard let value = given[key.name] ?? key.defaultValue else {
                throw ConfigResolutionError(
                    processor: processor, key: key.name, reason: "is required and has no default; set it")
            }
            guard parses(value, as: key.type) else {
                throw ConfigResolutionError(
                    processor: processor, key: key.name, reason: "must be \(name(of: key.type)), got \"\(value)\"")
            }
            resolved[key.name] = value
        }
        return resolved
    }

    private static func parses(_ value: String, as type: ConfigKey.ValueType) -> Bool {
        switch type {
        case .string: return true
        case .int: return Int64(value) != nil
        case .double: return Double(value) != nil
        case .bool: return value == "true" || value == "false"
        }
    }

    private static func name(of type: ConfigKey.ValueType) -> String {
        switch type {
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a number"
        case .bool: return "true or false"
        }
    }
}
