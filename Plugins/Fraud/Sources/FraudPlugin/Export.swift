import EddySDK
import Fraud

/// The plugin's entry symbol, in its own target so that tests can link the `Fraud` module
/// next to other plugins.
@_cdecl("eddy_plugin_v1")
public func eddyPlugin() -> UnsafeRawPointer { FraudPlugin.export() }
