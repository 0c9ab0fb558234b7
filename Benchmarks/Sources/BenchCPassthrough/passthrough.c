/* A pass-through processor in plain C: forwards every record unchanged. */
#include "../../../sdk/include/eddy/eddy.h"

#include <stdlib.h>

typedef struct {
    const eddy_host_api *host;
    eddy_context *ctx;
} passthrough;

static eddy_status passthrough_init(const eddy_processor *processor, const eddy_host_api *host,
                                    eddy_context *ctx, void **instance_out) {
    (void)processor;
    passthrough *self = malloc(sizeof *self);
    if (self == NULL) return EDDY_ERROR;
    self->host = host;
    self->ctx = ctx;
    *instance_out = self;
    return EDDY_OK;
}

static eddy_status passthrough_process(void *instance, const eddy_record *record) {
    const passthrough *self = instance;
    return self->host->forward(self->ctx, NULL, record);
}

static eddy_status passthrough_process_batch(void *instance, const eddy_record *records, size_t count,
                                             size_t *processed_out) {
    const passthrough *self = instance;
    for (size_t i = 0; i < count; i++) {
        eddy_status status = self->host->forward(self->ctx, NULL, eddy_record_at(records, i));
        if (status != EDDY_OK) {
            *processed_out = i;
            return status;
        }
    }
    *processed_out = count;
    return EDDY_OK;
}

static void passthrough_close(void *instance) { free(instance); }

static double scale(double value, int64_t factor) { return value * (double)factor; }

static const eddy_processor processor = {
    .struct_size = sizeof(eddy_processor),
    .name = "passthrough",
    .init = passthrough_init,
    .process = passthrough_process,
    .close = passthrough_close,
    .process_batch = passthrough_process_batch,
};

static const eddy_function scale_function = {
    .struct_size = sizeof(eddy_function),
    .name = "scale",
    .signature = "f64(f64,i64)",
    .function = (void (*)(void))scale,
};

static const eddy_processor *const processors[] = {&processor};
static const eddy_function *const functions[] = {&scale_function};

static const eddy_plugin descriptor = {
    .struct_size = sizeof(eddy_plugin),
    .abi_major = EDDY_ABI_MAJOR,
    .abi_minor = EDDY_ABI_MINOR,
    .toolchain = EDDY_TOOLCHAIN_NONE,
    .name = "bench-c",
    .version = "1.0.0",
    .processors = processors,
    .processor_count = 1,
    .functions = functions,
    .function_count = 1,
};

EDDY_EXPORT const eddy_plugin *eddy_plugin_v1(void) { return &descriptor; }
