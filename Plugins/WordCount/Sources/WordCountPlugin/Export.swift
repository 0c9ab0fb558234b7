import EddySDK
import WordCount

/// The plugin's entry symbol. It lives in its own target so that tests can link the
/// `WordCount` module next to other plugins without two `eddy_plugin_v1` symbols.
@_cdecl("eddy_plugin_v1")
public func eddyPlugin() -> UnsafeRawPointer { WordCountPlugin.export() }
