/*
 * Crashy: a test plugin in C against eddy.h alone, for isolated plugins (issue 22). One
 * processor, `relay`, forwards every record unchanged -- except that the first time (per
 * `marker.dir`) it sees the value `segv` it writes through a null pointer, `abort` calls
 * abort(), `trap` executes a trap instruction (what a Swift `fatalError` or failed
 * precondition ends with: SIGILL on x86-64, SIGTRAP on AArch64), and `hang` loops forever. It notes each crash as a file in `marker.dir`, so the
 * record goes through when it is processed again after the restart.
 *
 * One typed function, `survives(str value, str marker_dir)` -> bool, does the same for a
 * filter of an application file: true for every value, after crashing (or hanging) the first
 * time per `marker_dir` on `segv`, `abort`, `trap` or `hang`. A typed function gets no
 * config, so each record carries the marker directory.
 *
 * Its exported topology (`topology: {plugin: Crashy}`) reads `input`, keeps every record
 * with a FILTER node whose `apply` -- a DSL closure's C equivalent -- crashes or hangs the
 * same way on those values, with the marker directory from the environment variable
 * CRASHY_MARKERS, and writes `output`.
 *
 * Compiled with CRASHY_PRINTS_WHILE_LOADING, it prints to standard output while it loads
 * (from a constructor and from its entry function), as a chatty plugin might.
 *
 * Compiled by Tests/EddyRuntimeTests (PluginIsolationTests) and by the recovery benchmark
 * with `cc -shared -fPIC -I sdk/include`.
 */
#include <eddy/eddy.h>
#include <fcntl.h>
#include <stdbool.h>
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

/* True the first time `what` is asked for with marker directory `dir`. */
static int first_time_in(const char *dir, const char *what) {
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, what);
    int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
    if (fd < 0) return 0;
    close(fd);
    return 1;
}


/* Crashes (or hangs) the first time per marker directory on the values `segv`, `abort`,
 * `trap` and `hang`. */
static void crash_on(const char *value, size_t len, const char *dir) {
    if (len == 4 && memcmp(value, "segv", 4) == 0 && first_time_in(dir, "segv")) { volatile int *nowhere = NULL; *nowhere = 1; }
    if (len == 5 && memcmp(value, "abort", 5) == 0 && first_time_in(dir, "abort")) abort();
    if (len == 4 && memcmp(value, "trap", 4) == 0 && first_time_in(dir, "trap")) __builtin_trap();
    if (len == 4 && memcmp(value, "hang", 4) == 0 && first_time_in(dir, "hang")) { volatile unsigned long spin = 0; for (;;) spin++; }
}

static bool survives(eddy_str value, eddy_str marker_dir) {
    char dir[512];
    if (marker_dir.len >= sizeof dir) return false;
    memcpy(dir, marker_dir.ptr, marker_dir.len);
    dir[marker_dir.len] = 0;
    crash_on(value.ptr, value.len, dir);
    return true;
}


static eddy_status relay_process(void *instance, const eddy_record *record) {
    relay *r = instance;
    if (record->value.ptr) crash_on((const char *)record->value.ptr, record->value.len, r->dir);
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

static eddy_status survive_apply(const eddy_node *node, const eddy_host_api *host, eddy_context *ctx,
                                 const eddy_record *records, size_t count, const eddy_bytes *aggregates,
                                 int32_t *results, size_t *processed_out) {
    (void)node; (void)host; (void)ctx; (void)aggregates;
    const char *dir = getenv("CRASHY_MARKERS");
    const char *record = (const char *)records;
    for (size_t i = 0; i < count; i++, record += records->struct_size) {
        const eddy_record *r = (const eddy_record *)record;
        if (dir && r->value.ptr) crash_on((const char *)r->value.ptr, r->value.len, dir);
        results[i] = 1;
    }
    *processed_out = count;
    return EDDY_OK;
}

static const char *const input_topics[] = { "input" };
static const char *const output_topics[] = { "output" };
static const char *const in_parent[] = { "in" };
static const char *const survive_parent[] = { "survive" };
static const eddy_node in_node = {
    .struct_size = sizeof(eddy_node), .name = "in", .kind = EDDY_NODE_SOURCE,
    .topics = input_topics, .topic_count = 1, .key_serde = "bytes", .value_serde = "bytes" };
static const eddy_node survive_node = {
    .struct_size = sizeof(eddy_node), .name = "survive", .kind = EDDY_NODE_FILTER,
    .parents = in_parent, .parent_count = 1, .apply = survive_apply };
static const eddy_node out_node = {
    .struct_size = sizeof(eddy_node), .name = "out", .kind = EDDY_NODE_SINK,
    .parents = survive_parent, .parent_count = 1, .topics = output_topics, .topic_count = 1,
    .key_serde = "bytes", .value_serde = "bytes" };
static const eddy_node *const nodes[] = { &in_node, &survive_node, &out_node };
static const eddy_topology topology = { sizeof(eddy_topology), nodes, 3 };
static const eddy_function survives_function = {
    sizeof(eddy_function), "survives", "bool(str,str)", (void (*)(void))survives,
    "true, after crashing once per marker directory on segv, abort, trap or hang" };
static const eddy_function *const functions[] = { &survives_function };
static const eddy_plugin plugin = {
    sizeof(eddy_plugin), EDDY_ABI_MAJOR, EDDY_ABI_MINOR, EDDY_TOOLCHAIN_NONE, "crashy", "1.0.0", NULL,
    processors, 1, functions, 1, &topology, NULL, 0 };

#ifdef CRASHY_PRINTS_WHILE_LOADING
__attribute__((constructor)) static void say_loaded(void) {
    printf("crashy: loaded {\"not\": \"a manifest\"}\n");
    fflush(stdout);
}
#endif

const eddy_plugin *eddy_plugin_v1(void) {
#ifdef CRASHY_PRINTS_WHILE_LOADING
    printf("crashy: describing myself\n");
#endif
    return &plugin;
}

