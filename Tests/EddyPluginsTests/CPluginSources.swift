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
        "&fn_answer", "&fn_touch", "&fn_mix", "&fn_scale", "&fn_floor_sum", "&fn_above", "&fn_count_true", "&fn_inverse",
    ]
}
