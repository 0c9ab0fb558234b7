/*
 * Crashy: a test plugin in C against eddy.h alone, for isolated plugins (issue 22). One
 * processor, `relay`, forwards every record unchanged -- except that the first time (per
 * `marker.dir`) it sees the value `segv` it writes through a null pointer, `abort` calls
 * abort(), `trap` executes a trap instruction (what a Swift `fatalError` or failed
 * precondition ends with: SIGILL on x86-64, SIGTRAP on AArch64), and `hang` loops forever. It notes each crash as a file in `marker.dir`, so the
 * record goes through when it is processed again after the restart.
 *
 * Compiled by Tests/EddyRuntimeTests (PluginIsolationTests) and by the recovery benchmark
 * with `cc -shared -fPIC -I sdk/include`.
 */
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
    if (is(record, "trap") && first_time(r, "trap")) __builtin_trap();
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

