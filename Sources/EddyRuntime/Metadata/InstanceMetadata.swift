import Foundation

/// What one worker tells the others about itself through the metadata topic (Kafka Streams'
/// `StreamsMetadata`, which it carries in the group protocol's user data; librdkafka does not
/// expose that, so Eddy publishes it through Kafka itself): where its endpoint is, which
/// tasks it runs and which it restores, and whether it asks the application to shut down.
public struct InstanceMetadata: Codable, Sendable, Equatable {
    /// The format of this record; readers skip versions they do not know.
    public var version: Int = 1
    public var instanceId: String
    /// Its `application.server` (`host:port`), nil when it has no endpoint.
    public var server: String?
    /// Tasks it runs (`1_3`), sorted.
    public var running: [String]
    /// Tasks it is restoring (not yet answering queries), sorted.
    public var restoring: [String]
    /// When this record was written (ms since the epoch); older than ``deadAfterMs`` means
    /// the worker is gone.
    public var updatedMs: Int64
    /// When the worker started (ms since the epoch).
    public var startedMs: Int64
    /// Why this worker asks every worker of the application to stop
    /// (`uncaught.exception.handler: shutdown_application`); nil normally.
    public var shutdownRequest: String?

    public init(
        instanceId: String, server: String?, running: [String], restoring: [String], updatedMs: Int64, startedMs: Int64,
        shutdownRequest: String? = nil
    ) {
        self.instanceId = instanceId
        self.server = server
        self.running = running
        self.restoring = restoring
        self.updatedMs = updatedMs
        self.startedMs = startedMs
        self.shutdownRequest = shutdownRequest
    }

    /// A worker republishes every ``publishIntervalMs``; a record older than this is a dead worker's.
    public static let deadAfterMs: Int64 = 10_000
    public static let publishIntervalMs: Int64 = 2_000

    /// Whether the worker was alive at `now` (ms since the epoch).
    public func isAlive(at now: Int64) -> Bool { now - updatedMs <= Self.deadAfterMs }

    /// The metadata topic of an application: compacted, one partition, keyed by instance id.
    public static func topic(applicationId: String) -> String { "\(applicationId)-streams-metadata" }

    /// The record's value.
    func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Array((try? encoder.encode(self)) ?? Data())
    }

    /// Decodes a record's value; nil for a version or a shape this build does not know.
    static func decode(_ bytes: [UInt8]) -> InstanceMetadata? {
        guard let metadata = try? JSONDecoder().decode(InstanceMetadata.self, from: Data(bytes)), metadata.version == 1
        else { return nil }
        return metadata
    }
}
