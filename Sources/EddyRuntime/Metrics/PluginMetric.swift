/// One metric a plugin's processor recorded through its context (`context.count`,
/// `context.gauge`), with where it came from: what `/metrics` shows labelled by plugin and
/// processor.
public struct PluginMetric: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// Added to (`counter_add`): summed over the tasks running the processor.
        case counter
        /// Set (`gauge_set`): one value per task.
        case gauge
    }

    public var kind: Kind
    /// The metric's name as the plugin gave it.
    public var name: String
    public var plugin: String
    /// The processor node's name in the topology.
    public var processor: String
    public var task: String
    public var value: Double
}
