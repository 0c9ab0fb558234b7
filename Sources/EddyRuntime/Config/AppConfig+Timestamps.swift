import EddyEngine

extension AppConfig {
    /// `default.timestamp.extractor`: where every source takes event time from unless it
    /// says otherwise — `record` (the record's timestamp, the default), `field:<name>` (a
    /// numeric JSON field of the value, in ms) or `Plugin.function` (a plugin's stream
    /// function of kind `timestampExtractor`).
    static func defaultTimestamp(_ r: YAMLReader) throws(AppConfigError) -> Topology.Timestamp {
        guard let text = try r.string("default.timestamp.extractor") else { return .record }
        return try timestamp(text, r, key: "default.timestamp.extractor")
    }

    /// A source's own `timestamp.field: <name>` or `timestamp.extractor: record | field:<name> | Plugin.function`.
    static func sourceTimestamp(_ s: YAMLReader) throws(AppConfigError) -> Topology.Timestamp? {
        let field = try s.string("timestamp.field")
        let extractor = try s.string("timestamp.extractor")
        if field != nil, extractor != nil {
            throw s.error("timestamp.extractor", "give either `timestamp.field:` or `timestamp.extractor:`, not both")
        }
        if let field { return .jsonField(field) }
        return try extractor.map { text throws(AppConfigError) in try timestamp(text, s, key: "timestamp.extractor") }
    }

    private static func timestamp(_ text: String, _ r: YAMLReader, key: String) throws(AppConfigError)
        -> Topology.Timestamp
    {
        if text == "record" { return .record }
        if text.hasPrefix("field:") {
            let field = String(text.dropFirst("field:".count))
            guard !field.isEmpty else {
                throw r.error(key, "'field:' needs the JSON field's name, e.g. `field:paidAt`", at: r[key])
            }
            return .jsonField(field)
        }
        guard let dot = text.firstIndex(of: "."), dot != text.startIndex, text.index(after: dot) != text.endIndex else {
            throw r.error(
                key,
                "'\(text)' is not `record`, `field:<name>` or `Plugin.function` (a plugin's timestamp extractor, e.g. Fraud.paid_at)",
                at: r[key])
        }
        return .extractor(
            Topology.PluginFunction(
                plugin: String(text[..<dot]), node: String(text[text.index(after: dot)...]), place: .streamFunction))
    }
}
