import CRdKafka

/// librdkafka client properties, as `key → value` strings passed through unchanged.
///
/// Keys are librdkafka's (see its CONFIGURATION.md): Eddy adds nothing of its own here, so an
/// operator's `kafka:` section means exactly what it means to any librdkafka client. Each
/// client takes the keys that apply to its kind: a consumer skips producer-only keys and the
/// other way round. Values of
/// secret keys (passwords, private keys, OAuth configs) never appear in descriptions or logs.
public struct KafkaConfiguration: Sendable, Equatable, CustomStringConvertible {
    public private(set) var properties: [String: String]

    public init(_ properties: [String: String] = [:]) {
        self.properties = properties
    }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// Returns a copy in which `defaults` fill the keys this configuration does not set.
    public func withDefaults(_ defaults: [String: String]) -> KafkaConfiguration {
        KafkaConfiguration(properties.merging(defaults) { mine, _ in mine })
    }

    /// The bootstrap servers, or an empty string when unset.
    public var bootstrapServers: String {
        properties["bootstrap.servers"] ?? properties["metadata.broker.list"] ?? ""
    }

    /// Whether `key` holds a secret whose value must never be printed.
    public static func isSecret(_ key: String) -> Bool {
        let k = key.lowercased()
        return k.contains("password") || k.contains("secret") || k.hasSuffix(".pem")
            || k.hasSuffix("key.pem") || k.contains("oauthbearer.config")
    }

    /// The properties sorted by key, with secret values replaced by `******`.
    public var description: String {
        properties.keys.sorted().map { key in
            "\(key)=\(Self.isSecret(key) ? "******" : properties[key]!)"
        }.joined(separator: ", ")
    }

    // MARK: - Defaults Eddy ships

    /// Consumer defaults: a bounded pre-fetch queue that refills as soon as it drains.
    ///
    /// `queued.min.messages` caps each partition's pre-fetch queue at 50,000 records (plus
    /// the fetch that crossed it), so a stream thread slower than the fetcher holds a bounded
    /// part of its input in memory instead of all of it. On librdkafka 2.0.2 a capped
    /// partition is fetched again only when its broker thread wakes, up to a second later
    /// (measured: ~185k records/s instead of ~1M with a 100k cap); `fetch.queue.backoff.ms`
    /// (librdkafka 2.3's key, emulated by ``KafkaFetchWaker`` on older versions) bounds that
    /// wait to 5 ms.
    public static let consumerDefaults: [String: String] = [
        "queued.min.messages": "50000",
        "fetch.queue.backoff.ms": "5",
        "enable.partition.eof": "false",
        "enable.auto.commit": "false",
        "enable.auto.offset.store": "false",
        "auto.offset.reset": "earliest",
    ]

    /// Producer defaults: idempotent, batched.
    public static let producerDefaults: [String: String] = [
        "enable.idempotence": "true",
        "linger.ms": "5",
        "batch.num.messages": "10000",
    ]

    // MARK: - Conversion to librdkafka

    /// Builds a `rd_kafka_conf_t` for a client of `type`, turning each rejected property into a
    /// typed error that names the key and carries librdkafka's message. Properties of the other
    /// kind of client are left out (see ``KafkaPropertyScope``), so one set of properties
    /// configures consumers and producers alike, and `fetch.queue.backoff.ms` is left out for a
    /// librdkafka without it (see ``KafkaFetchQueueBackoff``). The caller owns the returned handle.
    func makeNativeConfiguration(for type: rd_kafka_type_t, requireBootstrapServers: Bool = true) throws(KafkaError)
        -> OpaquePointer
    {
        if requireBootstrapServers { try Self.validateBootstrapServers(bootstrapServers) }
        let conf = rd_kafka_conf_new()!
        var errstr = CErrorBuffer()
        for key in properties.keys.sorted()
        where !KafkaFetchQueueBackoff.isEmulated(key) && KafkaPropertyScope.of(key)?.applies(to: type) ?? true {
            let value = properties[key]!
            let result = rd_kafka_conf_set(conf, key, value, &errstr.bytes, errstr.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                let reason = errstr.message
                let hint =
                    result == RD_KAFKA_CONF_UNKNOWN
                    ? " — check the spelling against librdkafka's CONFIGURATION.md"
                    : " — fix the value" + (Self.isSecret(key) ? "" : " '\(value)'")
                throw .configuration(key: key, reason: reason + hint)
            }
        }
        return conf
    }

    /// Rejects a malformed `bootstrap.servers` before librdkafka silently retries it forever.
    static func validateBootstrapServers(_ servers: String) throws(KafkaError) {
        guard !servers.isEmpty else {
            throw .configuration(
                key: "bootstrap.servers",
                reason: "not set — give a comma-separated list of host:port, e.g. localhost:9092")
        }
        for entry in servers.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = entry.trimmingWhitespace()
            let hostPort = trimmed.split(separator: "://").last.map(String.init) ?? trimmed
            guard let colon = hostPort.lastIndex(of: ":"),
                !hostPort[..<colon].isEmpty,
                let port = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(port)
            else {
                throw .configuration(
                    key: "bootstrap.servers",
                    reason:
                        "'\(trimmed)' is not host:port — give a comma-separated list such as localhost:9092,localhost:9093"
                )
            }
        }
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

extension KafkaConfiguration: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
