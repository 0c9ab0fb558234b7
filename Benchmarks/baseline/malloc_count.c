/*
 * malloc_count.so: counts a process's heap allocations per thread, for the side-by-side
 * benchmark's `--count-mallocs` (issue 24: "allocation counts per 1M records").
 *
 *   LD_PRELOAD=malloc_count.so EDDY_MALLOC_COUNT_OUT=counts.json eddy run app.yaml
 *
 * Every malloc, calloc, realloc, posix_memalign, aligned_alloc and memalign (and free) is
 * counted in a slot of the calling thread, then passed to glibc's own implementation
 * (`__libc_malloc` and friends, so no dlsym and no recursion). Each slot keeps its thread's
 * name (read with prctl when its count reaches a power of two, so after the thread has named
 * itself, at a negligible cost). When the process exits normally the counts are written to
 * $EDDY_MALLOC_COUNT_OUT as JSON: {"threads": [{"name", "allocations", "frees"}…]}. A
 * process killed by a signal writes nothing; the benchmark stops both sides with SIGTERM, on
 * which each commits and exits.
 *
 * Threads that end leave their slot to nobody (slots are not reused), so the counts of a
 * short-lived thread stay attributed to its name; past MAX_SLOTS threads, the rest share the
 * last slot, named "(other threads)".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *pointer);

#define MAX_SLOTS 512

struct slot {
    atomic_ulong allocations;
    atomic_ulong frees;
    char name[17];
};

static struct slot slots[MAX_SLOTS];
static atomic_int slots_taken;
static __thread struct slot *mine __attribute__((tls_model("initial-exec")));

static struct slot *this_thread(void) {
    if (mine == NULL) {
        int index = atomic_fetch_add(&slots_taken, 1);
        if (index >= MAX_SLOTS) {
            index = MAX_SLOTS - 1;
            strcpy(slots[index].name, "(other threads)");
        }
        mine = &slots[index];
    }
    return mine;
}

static void count_allocation(void) {
    struct slot *slot = this_thread();
    unsigned long count = atomic_fetch_add_explicit(&slot->allocations, 1, memory_order_relaxed) + 1;
    if ((count & (count - 1)) == 0 && slot != &slots[MAX_SLOTS - 1]) prctl(PR_GET_NAME, slot->name, 0, 0, 0);
}

void *malloc(size_t size) {
    count_allocation();
    return __libc_malloc(size);
}

void *calloc(size_t count, size_t size) {
    count_allocation();
    return __libc_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    count_allocation();
    return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
    count_allocation();
    return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    count_allocation();
    return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    count_allocation();
    void *pointer = __libc_memalign(alignment, size);
    if (pointer == NULL && size != 0) return ENOMEM;
    *out = pointer;
    return 0;
}

void free(void *pointer) {
    if (pointer == NULL) return;
    atomic_fetch_add_explicit(&this_thread()->frees, 1, memory_order_relaxed);
    __libc_free(pointer);
}

/* Writes the counts at exit. Uses only the stack and stdio's unbuffered write path. */
__attribute__((destructor)) static void write_counts(void) {
    const char *path = getenv("EDDY_MALLOC_COUNT_OUT");
    if (path == NULL) return;
    FILE *file = fopen(path, "w");
    if (file == NULL) return;
    int taken = atomic_load(&slots_taken);
    if (taken > MAX_SLOTS) taken = MAX_SLOTS;
    fprintf(file, "{\"threads\": [");
    for (int i = 0; i < taken; i++) {
        char name[sizeof slots[i].name * 2 + 1];
        size_t n = 0;
        for (const char *c = slots[i].name; *c && n + 2 < sizeof name; c++) {
            if (*c == '"' || *c == '\\') name[n++] = '\\';
            name[n++] = (*c >= 0x20 && *c < 0x7f) ? *c : '?';
        }
        name[n] = 0;
        fprintf(file, "%s{\"name\": \"%s\", \"allocations\": %lu, \"frees\": %lu}", i ? ", " : "", name,
                atomic_load(&slots[i].allocations), atomic_load(&slots[i].frees));
    }
    fprintf(file, "]}\n");
    fclose(file);
}
