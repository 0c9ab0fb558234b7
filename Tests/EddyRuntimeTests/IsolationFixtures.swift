import EddyKafka
import Foundation

/// A plugins directory of one test with a C plugin compiled into it from `eddy.h` alone, and
/// the application files that run it.
final class CrashPluginDirectory {
    let directory: TemporaryDirectory
    let plugins: String
    /// Where the plugin notes the crashes it already made (it crashes once per marker).
    let markers: String

    init() throws {
        directory = TemporaryDirectory()
        plugins = directory.path + "/plugins"
        markers = directory.path + "/markers"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
        try Self.compile(Self.crashySource, to: plugins + "/libCrashy.so", in: directory.path)
    }

    /// An application running `Crashy/relay` from `input` to `output`, with the extra keys.
    func app(id: String, cluster: Cluster, extra: String) throws -> String {
        try directory.write("app.yaml", """
            application.id: \(id)
            bootstrap.servers: \(cluster.bootstrap)
            processing.guarantee: exactly_once_v2
            num.stream.threads: 1
            plugins.dir: \(plugins)
            state.dir: \(directory.path)/state
            \(extra)
            kafka:
              session.timeout.ms: "6000"
              heartbeat.interval.ms: "500"
              fetch.wait.max.ms: "10"
            topology:
              sources:
                - {name: in, topics: [input]}
              processors:
                - {name: relay, plugin: Crashy, processor: relay, inputs: [in], config: {marker.dir: "\(markers)"}}
              sinks:
                - {name: out, topic: output, inputs: [relay]}
            """)
    }

    static func compile(_ source: String, to output: String, in directory: String) throws {
        let sourcePath = directory + "/\(UUID().uuidString).c"
        try source.write(toFile: sourcePath, atomically: true, encoding: .utf8)
        let include = ((#filePath as NSString).deletingLastPathComponent as NSString).appendingPathComponent("../../sdk/include")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cc", "-shared", "-fPIC", "-O1", "-I", (include as NSString).standardizingPath, "-o", output, sourcePath]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else { throw WorkerError(description: "cc failed: \(message)") }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: output)
    }

    /// `Crashy`: one processor, `relay`, that forwards every record unchanged — except that
    /// the first time (per `marker.dir`) it sees the value `segv` it writes through a null
    /// pointer, `abort` calls abort(), and `hang` loops forever.
    static let crashySource = #"""
        #include <eddy/eddy.h>
        #include <fcntl.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <unistd.h>

        typedef struct { const eddy_host_api *host; eddy_context *ctx; char dir[512]; } relay;

        static eddy_status relay_init(const eddy_processor *p, const eddy_host_api *host, eddy_context *ctx, void **out) {
            (void)p;
            relay *r = calloc(1, sizeof *r);
            eddy_str dir;
            if (host->config(ctx, "marker.dir", &dir) != EDDY_OK || dir.len >= sizeof r->dir) {
                free(r);
                return EDDY_ERROR;
            }
            r->host = host;
            r->ctx = ctx;
            memcpy(r->dir, dir.ptr, dir.len);
            *out = r;
            return EDDY_OK;
        }

        /* True the first time `what` is asked for with this marker directory. */
        static int first_time(const relay *r, const char *what) {
            char path[600];
            snprintf(path, sizeof path, "%s/%s", r->dir, what);
            int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
            if (fd < 0) return 0;
            close(fd);
            return 1;
        }

        static int is(const eddy_record *record, const char *text) {
            size_t n = strlen(text);
            return record->value.ptr && record->value.len == n && memcmp(record->value.ptr, text, n) == 0;
        }

        static eddy_status relay_process(void *instance, const eddy_record *record) {
            relay *r = instance;
            if (is(record, "segv") && first_time(r, "segv")) { volatile int *nowhere = NULL; *nowhere = 1; }
            if (is(record, "abort") && first_time(r, "abort")) abort();
            if (is(record, "hang") && first_time(r, "hang")) { volatile unsigned long spin = 0; for (;;) spin++; }
            return r->host->forward(r->ctx, NULL, record);
        }

        static void relay_close(void *instance) { free(instance); }

        static const eddy_config_key marker_dir = {
            sizeof(eddy_config_key), "marker.dir", EDDY_CONFIG_STRING, NULL, "where crashes already made are noted" };
        static const eddy_config_key *const keys[] = { &marker_dir };
        static const eddy_processor relay_processor = {
            sizeof(eddy_processor), "relay", "forwards records; crashes once on segv, abort or hang",
            NULL, 0, keys, 1, NULL, relay_init, relay_process, NULL, relay_close, NULL };
        static const eddy_processor *const processors[] = { &relay_processor };
        static const eddy_plugin plugin = {
            sizeof(eddy_plugin), EDDY_ABI_MAJOR, EDDY_ABI_MINOR, EDDY_TOOLCHAIN_NONE, "crashy", "1.0.0", NULL,
            processors, 1, NULL, 0, NULL, NULL, 0 };

        const eddy_plugin *eddy_plugin_v1(void) { return &plugin; }
        """#
}
