import ArgumentParser
import EddySDK

/// Serde names on the command line (`--value-serde i64`) are the SDK's, as in the application
/// file and store declarations.
extension SerdeName: @retroactive ExpressibleByArgument {}
