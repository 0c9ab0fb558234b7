import EddySDK
import EddyTestSupport
import Foundation
import Testing

@testable import EddyPlugins

/// `eddy plugin inspect|call|new`, run as a user would: the built `eddy` binary.
@Suite struct PluginCommandTests {
    private var eddy: String {
        get throws { try ProcessRunner.eddy() }
    }

    @Test func versionNamesTheABIAndToolchain() throws {
        let result = try ProcessRunner.run(try eddy, ["version"])
        #expect(result.status == 0)
        #expect(
            result.stdout.split(separator: "\n").map(String.init)
                .contains("abi 1.5 (eddy_plugin_v1, toolchain \(Toolchain.fingerprint))"))
    }

    @Test func inspectPrintsTheDescriptor() throws {
        let fixture = try PluginFixture()
        let path = try fixture.install(product: "Uppercase")
        let sha = SHA256.hex(of: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        let result = try ProcessRunner.run(
            try eddy, ["plugin", "inspect", path, "--cache-dir", fixture.cacheDirectory])
        #expect(result.status == 0)
        #expect(
            result.stdout == """
                plugin     uppercase 1.0.0
                doc        Upper-casing in plain C.
                file       \(path) (\(size) bytes)
                sha256     \(sha)
                abi        1.5 (host 1.5)
                toolchain  none (no Swift runtime dependency)
                processors 1
                  uppercase — Upper-cases the ASCII letters of every value.
                functions  1
                  is_upper bool(str) — True when the text has no ASCII lower-case letter.
                stream functions 1
                  upper (mapValues)
                topology   3 nodes (eddy topology describe shows it split into sub-topologies)
                  source: source upper-in
                  upper: mapValues <- source
                  sink: sink upper-out <- upper

                """)
    }

    @Test func inspectShowsStoresAndTheMatchingToolchain() throws {
        let fixture = try PluginFixture()
        let path = try fixture.install(product: "WordCount")
        let result = try ProcessRunner.run(
            try eddy, ["plugin", "inspect", path, "--cache-dir", fixture.cacheDirectory])
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(result.status == 0)
        #expect(lines.contains("toolchain  \(Toolchain.fingerprint) (same as this host)"))
        #expect(lines.contains("    store  counts: key-value, key string, value i64, changelog on"))
        #expect(
            lines.contains(
                "    store  session-counts: session, key string, value i64, changelog on, retention 300000 ms"))
        #expect(
            lines.contains(
                "  word-count — Splits text values into lower-case words and forwards word -> running count."))
    }

    @Test func callRunsATypedFunctionAndRefusesBadArguments() throws {
        let fixture = try PluginFixture()
        let path = try fixture.install(product: "Enrich")
        let ok = try ProcessRunner.run(
            try eddy, ["plugin", "call", path, "risk_score", "5000", "BR", "--cache-dir", fixture.cacheDirectory])
        #expect(ok.status == 0)
        #expect(ok.stdout == "0.65\n")
        let bad = try ProcessRunner.run(
            try eddy, ["plugin", "call", path, "risk_score", "lots", "BR", "--cache-dir", fixture.cacheDirectory])
        #expect(bad.status != 0)
        #expect(bad.stderr == "Error: risk_score argument 1 (f64) expects a number, got \"lots\"\n")
        let uppercase = try fixture.install(product: "Uppercase")
        let missing = try ProcessRunner.run(
            try eddy, ["plugin", "call", uppercase, "nope", "--cache-dir", fixture.cacheDirectory])
        #expect(missing.stderr == "Error: plugin uppercase 1.0.0 has no typed function nope; it has: is_upper\n")
    }

    @Test func inspectRefusesAWritableFile() throws {
        let fixture = try PluginFixture()
        let path = try fixture.install(product: "Uppercase")
        try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: path)
        let result = try ProcessRunner.run(
            try eddy, ["plugin", "inspect", path, "--cache-dir", fixture.cacheDirectory])
        #expect(result.status != 0)
        #expect(
            result.stderr
                == "Error: plugin file \(path) is writable by group or others (mode 666) — anyone could swap its code; run chmod go-w \(path)\n"
        )
    }

    /// Refused with the loader's reason and exit status 1 — before this was checked, a file
    /// cut short killed `eddy` with SIGBUS inside `dlopen` (exit status 135). Only a file
    /// outside its own directory needs `--plugin-dir`: by default the file's directory is the
    /// plugin directory.
    @Test(arguments: BadPluginFile.allCases)
    func inspectRefusesABadFileWithoutCrashing(_ bad: BadPluginFile) throws {
        let fixture = try PluginFixture()
        let built = PluginFixture.productsDirectory + "/libWordCount.so"
        let path = try bad.make(named: "libWordCount.so", from: built, in: fixture.pluginDirectory)
        let directory = bad == .fileOutside ? ["--plugin-dir", fixture.pluginDirectory] : []
        let result = try ProcessRunner.run(
            try eddy, ["plugin", "inspect", path, "--cache-dir", fixture.cacheDirectory] + directory)
        #expect(result.signal == nil)
        #expect(result.status == 1)
        #expect(result.stdout == "")
        #expect(
            result.stderr == "Error: \(try bad.refusal(of: path, directory: fixture.pluginDirectory, built: built))\n")
    }

    @Test func callRefusesAPluginCutShortWithoutCrashing() throws {
        let fixture = try PluginFixture()
        let built = PluginFixture.productsDirectory + "/libEnrich.so"
        let path = try BadPluginFile.cutShortAt100000.make(
            named: "libEnrich.so", from: built, in: fixture.pluginDirectory)
        let result = try ProcessRunner.run(
            try eddy, ["plugin", "call", path, "risk_score", "5000", "BR", "--cache-dir", fixture.cacheDirectory])
        #expect(result.signal == nil)
        #expect(result.status == 1)
        #expect(
            result.stderr
                == "Error: \(try BadPluginFile.cutShortAt100000.refusal(of: path, directory: fixture.pluginDirectory, built: built))\n"
        )
    }

    /// The scaffold builds against the SDK and its own TestKit test passes (takes a minute).
    @Test func newScaffoldsAPackageThatBuildsAndPassesItsTest() throws {
        let fixture = try PluginFixture()
        let sdk = (CPlugin.sdkInclude as NSString).deletingLastPathComponent
        let created = try ProcessRunner.run(
            try eddy, ["plugin", "new", "Greeter", "--dir", fixture.root, "--sdk", sdk])
        #expect(created.status == 0, "\(created.stderr)")
        let package = fixture.root + "/Greeter"
        #expect(created.stdout.hasPrefix("created \(package)\n"))
        // SwiftPM keeps lock files in TMPDIR: keep them inside the fixture, which is removed.
        let temporary = fixture.root + "/tmp"
        try FileManager.default.createDirectory(atPath: temporary, withIntermediateDirectories: true)
        let test = try ProcessRunner.run(
            "/usr/bin/env", ["swift", "test", "--package-path", package], environment: ["TMPDIR": temporary],
            timeout: .seconds(600))
        #expect(test.status == 0, "swift test failed:\n\(test.stdout)\n\(test.stderr)")
        #expect(test.stdout.contains("Test greetsAndCounts() passed"))

        let again = try ProcessRunner.run(try eddy, ["plugin", "new", "Greeter", "--dir", fixture.root, "--sdk", sdk])
        #expect(again.stderr == "Error: \(package) already exists — choose another name or --dir\n")
    }

    @Test func newRefusesANameThatIsNoModuleName() throws {
        let fixture = try PluginFixture()
        let result = try ProcessRunner.run(
            try eddy, ["plugin", "new", "my-plugin", "--dir", fixture.root, "--sdk", "/x"])
        #expect(
            result.stderr
                == "Error: plugin name \"my-plugin\" is not usable as a Swift module name — use ASCII letters and digits, starting with a letter (e.g. Greeter)\n"
        )
    }
}
