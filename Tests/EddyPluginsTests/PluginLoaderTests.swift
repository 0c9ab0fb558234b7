import EddyHost
import EddySDK
import EddyTestKit
import Foundation
import Testing

@testable import EddyPlugins

/// Loading the plugins this package builds with dlopen, inspecting them, and running
/// records through them with the test driver's recording host.
@Suite struct PluginLoaderTests {
    @Test func loadsWordCountInspectsItAndCountsWords() throws {
        let fixture = try PluginFixture()
        let registry = PluginRegistry(
            loader: PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory))
        let path = try fixture.install(product: "WordCount")
        let plugin = try registry.load(path)

        #expect(plugin.name == "wordcount")
        #expect(plugin.version == "1.0.0")
        #expect(plugin.description.abiMajor == 1)
        #expect(plugin.description.abiMinor == ABIVersion.minor)
        #expect(plugin.description.toolchain == Toolchain.fingerprint)
        #expect(plugin.description.processors.first?.name == "word-count")
        #expect(
            plugin.processor(named: "word-count")?.stores == [
                StoreDeclaration(
                    name: "counts", kind: .keyValue, keySerde: "string", valueSerde: "i64", changelog: true,
                    retentionMs: 0, windowSizeMs: 0)
            ])
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(plugin.sha256 == SHA256.hex(of: Array(bytes)))
        #expect(plugin.loadedPath == fixture.cacheDirectory + "/\(plugin.sha256)/libWordCount.so")
        #expect(registry.plugin(named: "wordcount", version: "1.0.0") === plugin)

        let driver = try TestDriver(descriptor: plugin.description.descriptor, processor: "word-count")
        try driver.pipe(value: "to be or not to be", valueSerde: .string, timestamp: 42)
        let output = try driver.readOutput(keySerde: .string, valueSerde: .int64)
        #expect(output.map(\.key) == ["to", "be", "or", "not", "to", "be"])
        #expect(output.map(\.value) == [1, 1, 1, 1, 2, 2])
        #expect(output.allSatisfy { $0.timestamp == 42 })
        let counts = try driver.keyValueStore("counts", key: .string, value: .int64)
        #expect(counts.map(\.key) == ["be", "not", "or", "to"])
        #expect(counts.map(\.value) == [2, 1, 1, 2])
    }

    @Test func loadingTheSameBuildTwiceReturnsTheSamePlugin() throws {
        let fixture = try PluginFixture()
        let registry = PluginRegistry(
            loader: PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory))
        let path = try fixture.install(product: "Uppercase")
        let first = try registry.load(path)
        let second = try registry.load(path)
        #expect(first === second)
        #expect(registry.all.map(\.name) == ["uppercase"])
        #expect(registry.retainedBytes == first.byteCount)
    }

    @Test func replacesATamperedCopyInTheCache() throws {
        let fixture = try PluginFixture()
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        let path = try fixture.install(product: "Uppercase")
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        let sha = SHA256.hex(of: Array(original))
        let planted = fixture.cacheDirectory + "/\(sha)/libUppercase.so"
        try FileManager.default.createDirectory(
            atPath: fixture.cacheDirectory + "/\(sha)", withIntermediateDirectories: true)
        try Data(repeating: 0x90, count: original.count).write(to: URL(fileURLWithPath: planted))

        let plugin = try loader.load(path)
        #expect(plugin.loadedPath == planted)
        #expect(try Data(contentsOf: URL(fileURLWithPath: planted)) == original)
        #expect(plugin.name == "uppercase")
    }

    /// A topology written in plain C against eddy.h alone (ABI 1.2), loaded with dlopen and
    /// run by the host's engine: the DSL ABI is really C.
    @Test func runsTheCPluginsTopology() throws {
        let fixture = try PluginFixture()
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        let plugin = try loader.load(try fixture.install(product: "Uppercase"))
        #expect(plugin.description.topology?.map(\.name) == ["source", "upper", "sink"])
        #expect(plugin.description.streamFunctions.map(\.name) == ["upper"])

        let driver = try TopologyTestDriver(descriptor: plugin.description.descriptor)
        let input = driver.inputTopic("upper-in", key: .string, value: .string)
        try input.pipe(key: "k1", value: "hello, World 1", timestamp: 3)
        try input.pipe(key: "k2", value: nil, timestamp: 4)
        try input.pipe(key: "k3", value: "", timestamp: 5)
        #expect(
            try driver.outputTopic("upper-out", key: .string, value: .string).readRecords() == [
                TestRecord(key: "k1", value: "HELLO, WORLD 1", timestamp: 3),
                TestRecord(key: "k2", value: nil, timestamp: 4),
                TestRecord(key: "k3", value: "", timestamp: 5),
            ])
        #expect(driver.deadLetters.isEmpty)
    }

    @Test func runsTheCPluginAndItsTypedFunction() throws {
        let fixture = try PluginFixture()
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        let plugin = try loader.load(try fixture.install(product: "Uppercase"))
        #expect(plugin.description.toolchain == "none")
        #expect(plugin.description.functions.map(\.signature) == ["bool(str)"])

        let driver = try TestDriver(descriptor: plugin.description.descriptor, processor: "uppercase")
        let headers = [Header(key: "trace", text: "abc"), Header(key: "none", value: nil)]
        try driver.pipe(key: Array("k1".utf8), value: Array("hello, World 1".utf8), timestamp: 3, headers: headers)
        try driver.pipe(key: nil, value: nil, timestamp: 4)
        try driver.pipe(key: Array("k3".utf8), value: [], timestamp: 5)
        #expect(
            driver.readOutput() == [
                ForwardedRecord(
                    key: Array("k1".utf8), value: Array("HELLO, WORLD 1".utf8), timestamp: 3, headers: headers),
                ForwardedRecord(key: nil, value: nil, timestamp: 4),
                ForwardedRecord(key: Array("k3".utf8), value: [], timestamp: 5),
            ])

        let isUpper = try plugin.function(named: "is_upper")
        #expect(try isUpper.call(arguments: ["ABC 1"]) == .bool(true))
        #expect(try isUpper.call(arguments: ["ABc"]) == .bool(false))
    }

    @Test func aPluginInPlainCUsesASessionStoreThroughTheHostTable() throws {
        let fixture = try PluginFixture()
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        let plugin = try loader.load(try fixture.compileC(CPluginSources.sessionPlugin, as: "libcsessions.so"))
        #expect(plugin.description.processors.first?.stores.map(\.kind) == [.session])
        let driver = try TestDriver(descriptor: plugin.description.descriptor, processor: "sessions")
        for (key, value, timestamp) in [("k", "a", 0), ("k", "b", 20), ("j", "x", 0), ("k", "c", 25)] {
            try driver.pipe(key: Array(key.utf8), value: Array(value.utf8), timestamp: Int64(timestamp))
        }
        let invalid = "put(5,4)=\(EDDY_INVALID_ARGUMENT)"
        #expect(
            driver.readOutput().map {
                "\(String(decoding: $0.key ?? [], as: UTF8.self)):\(String(decoding: $0.value ?? [], as: UTF8.self))"
            } == [
                "k:0-10=a", "k:\(invalid)",
                "k:20-30=b", "k:\(invalid)",
                "j:0-10=x", "j:\(invalid)",
                "k:20-30=b", "k:25-35=c", "k:\(invalid)",
            ])
    }

    @Test func runsEnrichWithConfigAndCallsRiskScoreThroughLibffi() throws {
        let fixture = try PluginFixture()
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        let plugin = try loader.load(try fixture.install(product: "Enrich"))
        #expect(plugin.processor(named: "enrich")?.config.map(\.name) == ["currency", "high.risk.threshold"])

        let riskScore = try plugin.function(named: "risk_score")
        #expect(riskScore.signature == FunctionSignature(returnType: .f64, arguments: [.f64, .str]))
        #expect(try riskScore.call(arguments: ["2000", "NL"]) == .f64(0.2))
        #expect(try riskScore.call([.f64(5_000), .str("BR")]) == .f64(0.65))
        let payment = try JSONValue(parsing: Array(#"{"amount": 10000, "country": "US"}"#.utf8))
        #expect(try riskScore.call(json: [payment[field: "amount"]!, payment[field: "country"]!]) == .f64(0.7))

        let driver = try TestDriver(
            descriptor: plugin.description.descriptor, processor: "enrich", config: ["currency": "CHF"])
        try driver.pipe(key: Array("p".utf8), value: Array(#"{"id":"p","amount":0,"country":"DE"}"#.utf8), timestamp: 9)
        #expect(
            driver.readOutput() == [
                ForwardedRecord(
                    key: Array("p".utf8),
                    value: Array(
                        #"{"amount":0,"country":"DE","currency":"CHF","highRisk":false,"id":"p","riskScore":0.1}"#.utf8),
                    timestamp: 9)
            ])
    }

    @Test func twoBuildsOfOnePluginRunSideBySide() throws {
        let fixture = try PluginFixture()
        let registry = PluginRegistry(
            loader: PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory))
        // Same file name both times: only the content-addressed copy keeps dlopen from
        // handing back the first image for the second build.
        let path = try fixture.compileC(CPluginSources.plugin(version: "1.0.0", marker: "old"), as: "libsample.so")
        let old = try registry.load(path)
        _ = try fixture.compileC(CPluginSources.plugin(version: "1.1.0", marker: "new"), as: "libsample.so")
        let new = try registry.load(path)

        #expect(old.sha256 != new.sha256)
        #expect(registry.versions(of: "sample") == ["1.0.0", "1.1.0"])
        let oldDriver = try TestDriver(descriptor: old.description.descriptor, processor: "marker")
        let newDriver = try TestDriver(descriptor: new.description.descriptor, processor: "marker")
        try oldDriver.pipe(key: nil, value: [], timestamp: 1)
        try newDriver.pipe(key: nil, value: [], timestamp: 1)
        #expect(oldDriver.readOutput() == [ForwardedRecord(key: nil, value: Array("old".utf8), timestamp: 1)])
        #expect(newDriver.readOutput() == [ForwardedRecord(key: nil, value: Array("new".utf8), timestamp: 1)])
    }
}
