/*
 * The `uppercase` plugin, in plain C against eddy.h alone: it proves the ABI is really C.
 *
 * Processor `uppercase`: forwards every record with its value's ASCII letters upper-cased
 * (key, timestamp and headers unchanged; null values pass through as null).
 * Typed function `is_upper`, `bool(str)`: true when the text has no ASCII lower-case letter.
 * Topology (ABI 1.2): `upper-in` -> a MAP_VALUES node upper-casing values -> `upper-out`; its
 * `apply` is also exported as the stream function `upper` for application files.
 */
#include <eddy/eddy.h>

#include <stdlib.h>
#include <string.h>

/* One instance per task: the host table and context from init, and an output buffer that
 * grows to the largest value seen and is then reused (no allocation per record). */
typedef struct uppercase_instance {
    const eddy_host_api *host;
    eddy_context *ctx;
    uint8_t *buffer;
    size_t capacity;
} uppercase_instance;

static void fail(const uppercase_instance *self, const char *message) {
    eddy_str text = {message, strlen(message)};
    self->host->set_error(self->ctx, text);
}

static eddy_status uppercase_init(const eddy_processor *processor, const eddy_host_api *host,
                                  eddy_context *ctx, void **instance_out) {
    (void)processor;
    uppercase_instance *self = calloc(1, sizeof *self);
    if (self == NULL) {
        eddy_str text = {"uppercase: out of memory", 24};
        host->set_error(ctx, text);
        return EDDY_ERROR;
    }
    self->host = host;
    self->ctx = ctx;
    *instance_out = self;
    return EDDY_OK;
}

static eddy_status uppercase_process(void *instance, const eddy_record *record) {
    uppercase_instance *self = instance;
    /* Copy only the fields the host's record has (its struct_size), then claim ours. */
    eddy_record out;
    memset(&out, 0, sizeof out);
    memcpy(&out, record, record->struct_size < sizeof out ? record->struct_size : sizeof out);
    out.struct_size = sizeof out;
    if (record->value.ptr != NULL) {
        size_t len = record->value.len;
        if (len > self->capacity) {
            uint8_t *grown = realloc(self->buffer, len);
            if (grown == NULL) {
                fail(self, "uppercase: out of memory for the output value");
                return EDDY_ERROR;
            }
            self->buffer = grown;
            self->capacity = len;
        }
        for (size_t i = 0; i < len; i++) {
            uint8_t c = record->value.ptr[i];
            self->buffer[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
        }
        out.value.ptr = len > 0 ? self->buffer : record->value.ptr;
        out.value.len = len;
    }
    return self->host->forward(self->ctx, NULL, &out);
}

static void uppercase_close(void *instance) {
    uppercase_instance *self = instance;
    free(self->buffer);
    free(self);
}

static bool is_upper(eddy_str text) {
    for (size_t i = 0; i < text.len; i++) {
        if (text.ptr[i] >= 'a' && text.ptr[i] <= 'z') return false;
    }
    return true;
}

static const eddy_processor uppercase_processor = {
    .struct_size = sizeof(eddy_processor),
    .name = "uppercase",
    .doc = "Upper-cases the ASCII letters of every value.",
    .stores = NULL,
    .store_count = 0,
    .config = NULL,
    .config_count = 0,
    .plugin_data = NULL,
    .init = uppercase_init,
    .process = uppercase_process,
    .punctuate = NULL,
    .close = uppercase_close,
};

static const eddy_function is_upper_function = {
    .struct_size = sizeof(eddy_function),
    .name = "is_upper",
    .signature = "bool(str)",
    .function = (void (*)(void))is_upper,
    .doc = "True when the text has no ASCII lower-case letter.",
};

/* --- The topology and stream function (ABI 1.2) ----------------------------------------- */

/* MAP_VALUES over a run: emits each value upper-cased (a null value passes as null). The
 * host copies what `emit` gets before it returns, so one scratch buffer per call does. */
static eddy_status upper_apply(const eddy_node *node, const eddy_host_api *host, eddy_context *ctx,
                               const eddy_record *records, size_t count, const eddy_bytes *aggregates,
                               int32_t *results, size_t *processed_out) {
    (void)node;
    (void)aggregates;
    (void)results;
    uint8_t *buffer = NULL;
    size_t capacity = 0;
    for (size_t i = 0; i < count; i++) {
        const eddy_record *record = eddy_record_at(records, i);
        eddy_bytes value = {NULL, 0};
        if (record->value.ptr != NULL) {
            if (record->value.len > capacity) {
                uint8_t *grown = realloc(buffer, record->value.len);
                if (grown == NULL) {
                    free(buffer);
                    eddy_str text = {"upper: out of memory", 20};
                    host->set_error(ctx, text);
                    *processed_out = i;
                    return EDDY_ERROR;
                }
                buffer = grown;
                capacity = record->value.len;
            }
            for (size_t j = 0; j < record->value.len; j++) {
                uint8_t c = record->value.ptr[j];
                buffer[j] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 'a' + 'A') : c;
            }
            value.ptr = buffer != NULL ? buffer : (const uint8_t *)"";
            value.len = record->value.len;
        }
        eddy_bytes no_key = {NULL, 0};
        eddy_status status = host->emit(ctx, i, no_key, value);
        if (status != EDDY_OK) {
            free(buffer);
            *processed_out = i;
            return status;
        }
    }
    free(buffer);
    *processed_out = count;
    return EDDY_OK;
}

static const char *const upper_in[] = {"upper-in"};
static const char *const upper_out[] = {"upper-out"};
static const char *const after_source[] = {"source"};
static const char *const after_upper[] = {"upper"};

static const eddy_node source_node = {
    .struct_size = sizeof(eddy_node), .name = "source", .kind = EDDY_NODE_SOURCE,
    .topics = upper_in, .topic_count = 1, .key_serde = "bytes", .value_serde = "string",
};
static const eddy_node upper_node = {
    .struct_size = sizeof(eddy_node), .name = "upper", .kind = EDDY_NODE_MAP_VALUES,
    .parents = after_source, .parent_count = 1, .apply = upper_apply,
};
static const eddy_node sink_node = {
    .struct_size = sizeof(eddy_node), .name = "sink", .kind = EDDY_NODE_SINK,
    .parents = after_upper, .parent_count = 1, .topics = upper_out, .topic_count = 1,
    .key_serde = "bytes", .value_serde = "string",
};
static const eddy_node *const nodes[] = {&source_node, &upper_node, &sink_node};
static const eddy_topology topology = {.struct_size = sizeof(eddy_topology), .nodes = nodes, .node_count = 3};

/* The same function, lent by name to application files (`type: map_values, function: Uppercase.upper`). */
static const eddy_node upper_function = {
    .struct_size = sizeof(eddy_node), .name = "upper", .kind = EDDY_NODE_MAP_VALUES, .apply = upper_apply,
};
static const eddy_node *const stream_functions[] = {&upper_function};

static const eddy_processor *const processors[] = {&uppercase_processor};
static const eddy_function *const functions[] = {&is_upper_function};

static const eddy_plugin descriptor = {
    .struct_size = sizeof(eddy_plugin),
    .abi_major = EDDY_ABI_MAJOR,
    .abi_minor = EDDY_ABI_MINOR,
    .toolchain = EDDY_TOOLCHAIN_NONE,
    .name = "uppercase",
    .version = "1.0.0",
    .doc = "Upper-casing in plain C.",
    .processors = processors,
    .processor_count = 1,
    .functions = functions,
    .function_count = 1,
    .topology = &topology,
    .stream_functions = stream_functions,
    .stream_function_count = 1,
};

EDDY_EXPORT const eddy_plugin *eddy_plugin_v1(void) { return &descriptor; }
