import ArgumentParser
import EddyKafka
import EddySDK

/// `eddy version`: what this host is made of, for bug reports and plugin compatibility.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version", abstract: "Print the host, ABI, librdkafka and Swift toolchain versions.")

    func run() {
        print("eddy \(EddyVersion.host)")
        print("abi \(ABIVersion.description) (\(ABIVersion.entrySymbol), toolchain \(Toolchain.fingerprint))")
        print("librdkafka \(KafkaVersion.librdkafka)")
        print("swift \(EddyVersion.swiftToolchain)")
    }
}
