import EddySDK
import Enrich

/// The plugin's entry symbol, in its own target so tests can link `Enrich` with other plugins.
@_cdecl("eddy_plugin_v1")
public func eddyPlugin() -> UnsafeRawPointer { EnrichPlugin.export() }
