extension OperationsConfig {
    /// Reads the operations keys of the application file's top level; every mistake names
    /// its line and the fix.
    static func parse(_ r: YAMLReader, deserializationHandler: AppConfig.ErrorHandler) throws(AppConfigError)
        -> OperationsConfig
    {
        var config = OperationsConfig()
        if let text = try r.string("application.server") {
            guard let address = ServerAddress(text), address.port > 0 else {
                throw r.error(
                    "application.server",
                    "'\(text)' is not host:port — give the address other workers and clients reach this worker at, e.g. `localhost:7070`",
                    at: r["application.server"])
            }
            config.server = address
        }
        if let bind = try r.string("application.server.bind") {
            guard config.server != nil else {
                throw r.error(
                    "application.server.bind",
                    "sets where the endpoint listens, but there is no endpoint — add `application.server: host:port`",
                    at: r["application.server.bind"])
            }
            // One colon is a port (IPv6 addresses have several).
            guard !bind.isEmpty, !bind.contains(where: \.isWhitespace), bind.filter({ $0 == ":" }).count != 1 else {
                throw r.error(
                    "application.server.bind",
                    "'\(bind)' is not an address to listen on — give one without a port, e.g. `0.0.0.0` or `127.0.0.1`",
                    at: r["application.server.bind"])
            }
            config.serverBind = bind
        }
        config.processingHandler =
            try r.choice("processing.exception.handler", AppConfig.ErrorHandler.self) ?? deserializationHandler
        config.productionHandler =
            try r.choice("default.production.exception.handler", ProductionExceptionHandler.self) ?? .fail
        config.uncaughtHandler =
            try r.choice("uncaught.exception.handler", UncaughtExceptionHandler.self) ?? .shutdownClient
        if let text = try r.string("replication.factor") {
            guard let factor = Int(text), factor == -1 || (1...32).contains(factor) else {
                throw r.error(
                    "replication.factor",
                    "'\(text)' is not -1 (the broker's default) or a number of replicas in 1...32",
                    at: r["replication.factor"])
            }
            config.replicationFactor = factor
        }
        for key in r.keys where key.hasPrefix(topicPrefix) {
            let name = String(key.dropFirst(topicPrefix.count))
            guard !name.isEmpty, let value = try r.string(key) else {
                throw r.error(
                    key, "give a topic config after `topic.`, e.g. `topic.min.insync.replicas: 2`", at: r[key])
            }
            config.topicConfigs[name] = value
        }
        config.stateCleanupDelayMs =
            try r.int("state.cleanup.delay.ms", range: 0...(365 * 86_400_000)) ?? config.stateCleanupDelayMs
        if let text = try r.string("metrics.recording.level") {
            guard let level = RecordingLevel(rawValue: text.uppercased()) else {
                throw r.error(
                    "metrics.recording.level", "'\(text)' is not INFO or DEBUG (DEBUG adds the store metrics)",
                    at: r["metrics.recording.level"])
            }
            config.recordingLevel = level
        }
        return config
    }
}
