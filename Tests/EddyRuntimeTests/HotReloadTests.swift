import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Logging
import Testing

/// Hot reload under exactly_once_v2: a new build of WordCount replaces the running one at a
/// commit boundary, with no rebalance and no restore, and every record processed by exactly
/// one build — proved by the `eddy.plugin.version` header on each output.
@Suite struct HotReloadTests {
    @Test func droppingANewBuildSwapsItWithoutRebalanceRestoreOrDuplicates() throws {
        let f = try ReloadingWorker(watch: true)
        try f.produce(0..<300)
        _ = try f.outputs(forLines: 300)
        // Sample once the threads' start-up split has settled (each thread owns tasks), so that
        // any partition movement counted after this point would be the reload's doing.
        try waitUntil("both threads own tasks") { !f.app.progress().tasksPerThread.contains(0) }
        let before = f.app.progress()
        let v1 = f.app.pluginStatus()[0].current

        try f.plugins.install("libWordCountV2.so", as: "libWordCount.so")
        try waitUntil("the new build is swapped in") { f.app.reloadCount.load(ordering: .relaxed) >= 1 }
        let v2 = f.app.pluginStatus()[0].current
        #expect(v1.hasPrefix("wordcount 1.0.0+") && v2.hasPrefix("wordcount 2.0.0+"))
        try f.produce(300..<900)
        let output = try f.outputs(forLines: 900)
        let after = f.app.progress()
        f.stop()

        // Exactly once across the swap: the exact counts, no duplicate, no gap.
        #expect(WordCountCase.render(output) == f.input.expected)
        // Every output names exactly one build; the second half all came from v2.
        let byVersion = Dictionary(grouping: output, by: ReloadingWorker.version)
        #expect(Set(byVersion.keys) == [v1, v2])
        #expect(byVersion[v2]!.count >= WordCountCase(lines: Array(f.input.lines[300...])).outputCount)
        // Counts went on from the state v1 left: per word, every v2 count is above every v1 count.
        for (word, records) in Dictionary(grouping: output, by: { $0.keyString ?? "" }) {
            let v1Max = records.filter { ReloadingWorker.version($0) == v1 }.map { decodeLong($0.value!) }.max() ?? 0
            let v2Min = records.filter { ReloadingWorker.version($0) == v2 }.map { decodeLong($0.value!) }.min() ?? .max
            #expect(v2Min == v1Max + 1, "\(word): v1 ended at \(v1Max), v2 began at \(v2Min)")
        }
        // No rebalance and no restoration happened for the swap.
        #expect(after.rebalances == before.rebalances)
        #expect(after.restored == before.restored)
    }

    @Test func brokenBuildsAreRefusedAndTheRunningOneStays() throws {
        let f = try ReloadingWorker(watch: false)
        try f.produce(0..<300)
        _ = try f.outputs(forLines: 300)
        let v1 = f.app.pluginStatus()[0].current
        let cases: [(BrokenWordCount, String)] = [
            (
                .abiMajor2,
                "plugin libWordCount.so was built for Eddy ABI 2 (it exports eddy_plugin_v2); this host speaks ABI 1 — rebuild the plugin against this host's sdk"
            ),
            (.initFails, "init of the new build failed: processor count failed to initialize: refused on purpose"),
            (
                .storeRemoved,
                "processor 'count' declares store key-counts (keyValue, bytes -> i64) in the running build but no such store in the new one — stores must keep their name, kind and serdes"
            ),
            (
                .storeAdded,
                "processor 'split' declares store split-seen (keyValue, bytes -> i64) in the new build but not in the running one — a new store is created (and its changelog topic) only when the application starts; restart it with the new build"
            ),
        ]
        for (broken, reason) in cases {
            try broken.build(into: (f.plugins.path as NSString).appendingPathComponent("libWordCount.so"))
            let error = #expect(throws: ReloadError.self) { try f.app.reload("WordCount") }
            #expect(error?.reason == reason, "\(broken)")
            #expect(f.app.pluginStatus()[0].current == v1)
            #expect(f.app.pluginStatus()[0].lastError == error?.reason)
        }
        try f.produce(300..<600)
        let output = try f.outputs(forLines: 600)
        f.stop()
        #expect(WordCountCase.render(output) == WordCountCase(lines: Array(f.input.lines[..<600])).expected)
        #expect(Set(output.map(ReloadingWorker.version)) == [v1])
    }

    @Test func rollbackAndFiftyReloadsKeepTheOutputExactAndMemoryFlat() throws {
        let f = try ReloadingWorker(watch: false)
        // Plugins load only from plugins.dir: both builds sit there under their own names.
        try f.plugins.install("libWordCountV2.so")
        let v2File = (f.plugins.path as NSString).appendingPathComponent("libWordCountV2.so")
        let v1File = (f.plugins.path as NSString).appendingPathComponent("libWordCount.so")
        try f.produce(0..<300)
        _ = try f.outputs(forLines: 300)
        let v1 = f.app.pluginStatus()[0].current
        let toV2 = try #require(try f.app.reload("WordCount", file: v2File))
        let back = try f.app.rollback("WordCount")
        #expect(back.from == toV2.to && back.to.description == v1)
        try f.produce(300..<600)
        _ = try f.outputs(forLines: 600)

        var pauses: [Duration] = []
        let heldAfterTwo = f.app.pluginStatus()[0].mappedBytes
        for round in 0..<50 {
            let report = try #require(try f.app.reload("WordCount", file: round.isMultiple(of: 2) ? v2File : v1File))
            pauses.append(report.longestPause)
        }
        let status = f.app.pluginStatus()[0]
        try f.produce(600..<900)
        let output = try f.outputs(forLines: 900)
        f.stop()

        #expect(WordCountCase.render(output) == f.input.expected)
        // Two distinct builds, each mapped once however often they are swapped.
        #expect(status.loaded.count == 2)
        #expect(heldAfterTwo > 0)
        #expect(status.mappedBytes == heldAfterTwo)
        #expect(f.app.reloadCount.load(ordering: .relaxed) == 52)
        print(
            "reload pause (max over threads): median \(pauses.sorted()[pauses.count / 2]), max \(pauses.max()!); plugin builds mapped: \(status.mappedBytes) bytes"
        )
    }
}

/// Deliberately broken builds of `libWordCount.so`, compiled in C from the ABI header alone.
/// In `initFails` only `count` refuses to start, so a thread running only `split` tasks swaps
/// and must be put back when another thread's `count` fails.
enum BrokenWordCount {
    case abiMajor2, initFails, storeRemoved, storeAdded

    func build(into path: String) throws {
        let source = (path as NSString).deletingLastPathComponent + "/broken.c"
        let store =
            self == .storeRemoved
            ? ""
            : """
            static const eddy_store_decl counts = {.struct_size = sizeof(eddy_store_decl), .name = "key-counts",
                .kind = EDDY_STORE_KEY_VALUE, .key_serde = "bytes", .value_serde = "i64", .changelog = true};
            static const eddy_store_decl *const stores[] = {&counts};
            static const eddy_store_decl seen = {.struct_size = sizeof(eddy_store_decl), .name = "split-seen",
                .kind = EDDY_STORE_KEY_VALUE, .key_serde = "bytes", .value_serde = "i64", .changelog = true};
            static const eddy_store_decl *const split_stores[] = {&seen};
            """
        try """
        #include <eddy/eddy.h>
        #include <string.h>
        static eddy_status init(const eddy_processor *p, const eddy_host_api *host, eddy_context *ctx, void **out) {
            *out = NULL;
            (void)host; (void)ctx;
            \(self == .initFails ? #"if (strcmp(p->name, "count") == 0) { eddy_str m = {"refused on purpose", 18}; host->set_error(ctx, m); return EDDY_ERROR; }"# : "(void)p;")
            return EDDY_OK;
        }
        static eddy_status process(void *i, const eddy_record *r) { (void)i; (void)r; return EDDY_OK; }
        static void close_instance(void *i) { (void)i; }
        \(store)
        static const eddy_processor split = {.struct_size = sizeof(eddy_processor), .name = "split",
            \(self == .storeAdded ? ".stores = split_stores, .store_count = 1," : "")
            .init = init, .process = process, .close = close_instance};
        static const eddy_processor count = {.struct_size = sizeof(eddy_processor), .name = "count",
            \(self == .storeRemoved ? "" : ".stores = stores, .store_count = 1,")
            .init = init, .process = process, .close = close_instance};
        static const eddy_processor *const processors[] = {&split, &count};
        static const eddy_plugin descriptor = {.struct_size = sizeof(eddy_plugin),
            .abi_major = \(self == .abiMajor2 ? "2" : "EDDY_ABI_MAJOR"), .abi_minor = EDDY_ABI_MINOR,
            .toolchain = EDDY_TOOLCHAIN_NONE, .name = "wordcount", .version = "9.9.9",
            .processors = processors, .processor_count = 2};
        const eddy_plugin *\(self == .abiMajor2 ? "eddy_plugin_v2" : "eddy_plugin_v1")(void) { return &descriptor; }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        try CPlugin.compile(source, to: path + ".tmp")
        _ = rename(path + ".tmp", path)
        try FileManager.default.removeItem(atPath: source)
    }
}
