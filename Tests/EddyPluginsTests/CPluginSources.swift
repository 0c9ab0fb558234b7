/// C plugins the tests compile with `cc`: well-formed ones built from `eddy.h` alone, and
/// deliberately broken ones. None of them is shipped.
enum CPluginSources {
    /// A minimal plugin whose descriptor is assembled from the given pieces. Its one
    /// processor `marker` forwards each record with the value replaced by `marker`.
    static func plugin(
        name: String = "sample", version: String = "1.0.0", toolchain: String = "EDDY_TOOLCHAIN_NONE",
        abiMajor: String = "EDDY_ABI_MAJOR", entry: String = "eddy_plugin_v1", marker: String = "one",
        processors: [String] = ["marker"], functions: String = "", functionList: [String] = [],
        structSize: String = "sizeof(eddy_plugin)", processorSize: String = "sizeof(eddy_processor)",
        declarations: String = "", processorFields: String = ""
    ) -> String {
        let processorEntries = processors.enumerated().map { index, processorName in
            """
            static const eddy_processor processor_\(index) = {
                .struct_size = \(processorSize), .name = "\(processorName)",
                .init = marker_init, .process = marker_process, .close = marker_close,
                \(processorFields)
            };
            """
        }.joined(separator: "\n")
        let processorList = processors.indices.map { "&processor_\($0)" }.joined(separator: ", ")
        let functionArray =
            functionList.isEmpty
            ? ""
            : "static const eddy_function *const functions[] = {\(functionList.joined(separator: ", "))};"
        return """
            #include <eddy/eddy.h>
            #include <stdlib.h>
            #include <string.h>

            typedef struct { const eddy_host_api *host; eddy_context *ctx; } marker_instance;

            static eddy_status marker_init(const eddy_processor *p, const eddy_host_api *host,
                                           eddy_context *ctx, void **out) {
                (void)p;
                marker_instance *self = malloc(sizeof *self);
                self->host = host;
                self->ctx = ctx;
                *out = self;
                return EDDY_OK;
            }

            static eddy_status marker_process(void *instance, const eddy_record *record) {
                marker_instance *self = instance;
                eddy_record out;
                memset(&out, 0, sizeof out);
                out.struct_size = sizeof out;
                out.key = record->key;
                out.value.ptr = (const uint8_t *)"\(marker)";
                out.value.len = strlen("\(marker)");
                out.timestamp = record->timestamp;
                return self->host->forward(self->ctx, NULL, &out);
            }

            static void marker_close(void *instance) { free(instance); }

            \(declarations)

            \(processorEntries)
            static const eddy_processor *const processors[] = {\(processorList)};
            \(functions)
            \(functionArray)

            static const eddy_plugin descriptor = {
                .struct_size = \(structSize), .abi_major = \(abiMajor), .abi_minor = EDDY_ABI_MINOR,
                .toolchain = \(toolchain), .name = "\(name)", .version = "\(version)",
                .processors = processors, .processor_count = \(processors.count),
                .functions = \(functionList.isEmpty ? "NULL" : "functions"), .function_count = \(functionList.count),
            };

            const eddy_plugin *\(entry)(void) { return &descriptor; }
            """
    }

    /// Typed functions of every ABI type, for libffi round trips.
    static let typedFunctions = """
        static bool negate(bool b) { return !b; }
        static int32_t add_i32(int32_t a, int32_t b) { return a + b; }
        static int64_t mul_i64(int64_t a, int64_t b) { return a * b; }
        static double half(double x) { return x / 2; }
        static int64_t str_len(eddy_str s) { return (int64_t)s.len; }
        static bool str_eq(eddy_str a, eddy_str b) { return a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0; }
        static int64_t bytes_sum(eddy_bytes b) { int64_t t = 0; for (size_t i = 0; i < b.len; i++) t += b.ptr[i]; return t; }
        static int32_t answer(void) { return 42; }
        static int calls = 0;
        static void touch(void) { calls++; }
        static double mix(int32_t a, double b, int64_t c, bool d, eddy_str e) {
            return a + b + (double)c + (d ? 1000 : 0) + (double)e.len * 10000;
        }
        static double scale(int32_t a, double b) { return a * b; }
        static int32_t floor_sum(double a, int32_t b) { return (int32_t)a + b; }
        static bool above(double a, double b) { return a > b; }
        static int64_t count_true(bool a, bool b) { return (a ? 1 : 0) + (b ? 1 : 0); }
        static double inverse(int64_t a) { return 1.0 / (double)a; }
        #define FN(n, sig) static const eddy_function fn_##n = { .struct_size = sizeof(eddy_function), \\
            .name = #n, .signature = sig, .function = (void (*)(void))n }
        FN(negate, "bool(bool)");
        FN(add_i32, "i32(i32,i32)");
        FN(mul_i64, "i64(i64,i64)");
        FN(half, "f64(f64)");
        FN(str_len, "i64(str)");
        FN(str_eq, "bool(str,str)");
        FN(bytes_sum, "i64(bytes)");
        FN(answer, "i32()");
        FN(touch, "void()");
        FN(mix, "f64(i32,f64,i64,bool,str)");
        FN(scale, "f64(i32,f64)");
        FN(floor_sum, "i32(f64,i32)");
        FN(above, "bool(f64,f64)");
        FN(count_true, "i64(bool,bool)");
        FN(inverse, "f64(i64)");
        """

    static let typedFunctionList = [
        "&fn_negate", "&fn_add_i32", "&fn_mul_i64", "&fn_half", "&fn_str_len", "&fn_str_eq", "&fn_bytes_sum",
        "&fn_answer", "&fn_touch", "&fn_mix", "&fn_scale", "&fn_floor_sum", "&fn_above", "&fn_count_true",
        "&fn_inverse",
    ]
}

extension CPluginSources {
    /// A plugin in plain C whose processor `sessions` uses a session store through ABI 1.3:
    /// each record puts its value as the key's session `[timestamp, timestamp + 10]`, removes
    /// the session `[timestamp - 20, timestamp - 10]` (from timestamp 20 on), then forwards one record per session `session_fetch` finds
    /// (`start-end=value`, from `earliest_end` 0 to `latest_start` 1000), and `put(5,4)=<status>`
    /// for a put with its times reversed.
    static let sessionPlugin = """
        #include <eddy/eddy.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>

        typedef struct { const eddy_host_api *host; eddy_context *ctx; eddy_store *store; } instance;

        static eddy_status sessions_init(const eddy_processor *p, const eddy_host_api *host,
                                         eddy_context *ctx, void **out) {
            (void)p;
            if (!EDDY_HAS_FIELD(eddy_host_api, host, session_fetch)) return EDDY_UNSUPPORTED;
            instance *self = malloc(sizeof *self);
            self->host = host;
            self->ctx = ctx;
            eddy_status status = host->get_store(ctx, "s", &self->store);
            *out = self;
            return status;
        }

        static eddy_status emit(instance *self, const eddy_record *record, const char *text) {
            eddy_record out;
            memset(&out, 0, sizeof out);
            out.struct_size = sizeof out;
            out.key = record->key;
            out.value.ptr = (const uint8_t *)text;
            out.value.len = strlen(text);
            out.timestamp = record->timestamp;
            return self->host->forward(self->ctx, NULL, &out);
        }

        static eddy_status sessions_process(void *p, const eddy_record *record) {
            instance *self = p;
            const eddy_host_api *h = self->host;
            eddy_status status = h->session_put(self->ctx, self->store, record->key, record->timestamp,
                                                record->timestamp + 10, record->value);
            if (status != EDDY_OK) return status;
            if (record->timestamp >= 20) {
                status = h->session_remove(self->ctx, self->store, record->key, record->timestamp - 20,
                                           record->timestamp - 10);
                if (status != EDDY_OK) return status;
            }
            eddy_iterator *it = NULL;
            status = h->session_fetch(self->ctx, self->store, record->key, 0, 1000, &it);
            if (status != EDDY_OK) return status;
            eddy_entry entry;
            char line[128];
            for (;;) {
                memset(&entry, 0, sizeof entry);
                entry.struct_size = sizeof entry;
                if (h->iterator_next(self->ctx, it, &entry) != EDDY_OK) break;
                snprintf(line, sizeof line, "%lld-%lld=%.*s", (long long)entry.window_start,
                         (long long)entry.window_end, (int)entry.value.len, (const char *)entry.value.ptr);
                emit(self, record, line);
            }
            h->iterator_close(self->ctx, it);
            eddy_status reversed = h->session_put(self->ctx, self->store, record->key, 5, 4, record->value);
            snprintf(line, sizeof line, "put(5,4)=%d", (int)reversed);
            return emit(self, record, line);
        }

        static void sessions_close(void *p) { free(p); }

        static const eddy_store_decl store_s = {
            .struct_size = sizeof(eddy_store_decl), .name = "s", .kind = EDDY_STORE_SESSION,
            .key_serde = "string", .value_serde = "string", .changelog = false, .retention_ms = 100000,
        };
        static const eddy_store_decl *const stores[] = {&store_s};
        static const eddy_processor processor = {
            .struct_size = sizeof(eddy_processor), .name = "sessions",
            .init = sessions_init, .process = sessions_process, .close = sessions_close,
            .stores = stores, .store_count = 1,
        };
        static const eddy_processor *const processors[] = {&processor};
        static const eddy_plugin descriptor = {
            .struct_size = sizeof(eddy_plugin), .abi_major = EDDY_ABI_MAJOR, .abi_minor = EDDY_ABI_MINOR,
            .toolchain = EDDY_TOOLCHAIN_NONE, .name = "csessions", .version = "1.0.0",
            .processors = processors, .processor_count = 1,
        };

        const eddy_plugin *eddy_plugin_v1(void) { return &descriptor; }
        """
}
