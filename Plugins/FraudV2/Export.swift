import EddySDK
import Fraud

/// A second build of the `fraud` plugin: the same topology shape under version 2.0.0, whose
/// alerts say they come from it. Dropping `libFraudV2.so` into a running worker's
/// `plugins.dir` as `libFraud.so` swaps the pipeline's code at a commit boundary: spend and
/// counts go on from the state the first build left.
public enum FraudV2Plugin: Plugin {
    public static let name = "fraud"
    public static let version = "2.0.0"
    public static let doc: String? = "Fraud screening, second build (for hot-reload demos and tests)."

    public static func topology(_ builder: StreamsBuilder) {
        var rules = FraudRules()
        rules.reasonPrefix = "v2 "
        FraudTopology.build(builder, rules: rules)
    }
}

@_cdecl("eddy_plugin_v1")
public func eddyPlugin() -> UnsafeRawPointer { FraudV2Plugin.export() }
