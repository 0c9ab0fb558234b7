/*
 * eddy.h — the Eddy processor ABI, version 1.
 *
 * This header is the whole contract between the Eddy host and a plugin: a shared
 * library that offers stream processors and typed functions. It is plain C (C99), so
 * a plugin may be written in any language that can export C symbols; the Swift SDK
 * (`EddySDK`) is one such face of it.
 *
 * Shape of the contract
 * ---------------------
 * - The plugin exports exactly one symbol, `eddy_plugin_v1` (the ABI major version is in
 *   the name, so a plugin built for another major fails to resolve instead of
 *   misbehaving). It returns a descriptor (`eddy_plugin`) that lists processors and
 *   typed functions.
 * - Plugin-implemented entries (`init`, `process`, `punctuate`, `close`, typed
 *   functions) are reached through the descriptor. Host services (forward, stores,
 *   schedules, time, config, log, metrics) are reached through ONE table,
 *   `eddy_host_api`, handed to every processor instance at `init`. A plugin links no
 *   host symbol at all.
 * - Every extensible struct begins with `uint32_t struct_size` (the `sizeof` the writer
 *   was compiled with). Fields are only ever appended within a major version: never
 *   reordered, never removed. A reader must check `struct_size` before touching a field
 *   that a newer minor version appended (see `EDDY_HAS_FIELD`). The only structs
 *   without `struct_size` are the two frozen value types `eddy_bytes` and `eddy_str`,
 *   which are passed by value and will never change within a major version.
 * - Data from the host to the plugin is borrowed: `(pointer, length)` slices valid only
 *   for the duration of the call that passed them (or as stated). Data from the plugin
 *   to the host is copied by the host before the host function returns. No allocation
 *   ownership crosses the boundary, and nothing assumes a shared address space beyond
 *   these borrowed slices, so a host may run a plugin in a separate process.
 * - Fallible functions return `eddy_status` and write results through out-parameters;
 *   simple getters return their value directly. A plugin explains a failure by calling
 *   `eddy_host_api.set_error` before returning a non-OK status.
 *
 * Threading
 * ---------
 * The host creates one processor instance per task (for example task `1_3`:
 * sub-topology 1, partition 3) with `init`, and calls that instance's `process`,
 * `punctuate` and `close` on the stream thread that owns the task: never concurrently
 * for one instance, but different instances (of one or many processors) run
 * concurrently on different threads. Plugin-global state must therefore be immutable
 * or thread-safe. Host API functions may only be called on the thread that is currently
 * inside a callback for the context they are given, and only during that callback.
 * Typed functions may be called concurrently from any thread and must be pure.
 *
 * Lifetime
 * --------
 * The host never unloads a plugin image (`dlclose` is never called), so the descriptor
 * and every string and array it points to must stay valid and unchanged for the life
 * of the process. Hot reload loads a new image next to the old one, `init`s new
 * instances, and at a commit boundary `close`s the old instances. State lives in the
 * host's stores, not in the plugin, so it survives the swap.
 */
#ifndef EDDY_EDDY_H
#define EDDY_EDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------
 * Versions, symbols, toolchain
 * ---------------------------------------------------------------------------------- */

/** ABI major version. A change here is incompatible; it also renames the entry symbol. */
#define EDDY_ABI_MAJOR 1
/**
 * ABI minor version: raised when fields are appended to structs of this header.
 * 1.1 appended `eddy_processor.process_batch`.
 * 1.2 appended `eddy_plugin.topology` and `eddy_plugin.stream_functions` (a Streams DSL
 * topology the plugin exports and functions an application file calls, see "Topologies")
 * and `eddy_host_api.emit`.
 * 1.3 appended windows, suppression and timestamp extractors to `eddy_node` (`window`,
 * `merge`, `suppress`, `timestamp_extractor`).
 * 1.3 also appended `eddy_host_api.session_put`, `session_remove` and `session_fetch`.
 * 1.4 appended tables and joins: the node kinds TABLE_SOURCE, GLOBAL_TABLE, the `*_JOIN`
 * kinds and FOREIGN_KEY_JOIN, and `eddy_node.join_type`, `join_windows`, `join_stores`,
 * `join_store_count` and `key_selector`. A host older than 1.4 refuses a topology with
 * these kinds (their values are unknown to it), naming the node and its kind.
 * 1.5 appended the node kind JOINER: a joiner a plugin exports for an application file's
 * `join` node. A 1.4 host refuses a plugin that exports one, naming the unknown kind.
 */
#define EDDY_ABI_MINOR 5
/** Name of the one symbol a plugin exports; see `eddy_plugin_v1`. */
#define EDDY_ENTRY_SYMBOL "eddy_plugin_v1"

/**
 * Exports a plugin's entry symbol from its shared object, also when the plugin is compiled
 * with `-fvisibility=hidden` (which keeps every other symbol private): write
 * `EDDY_EXPORT const eddy_plugin *eddy_plugin_v1(void) { ... }`.
 */
#if defined(_WIN32)
#define EDDY_EXPORT __declspec(dllexport)
#else
#define EDDY_EXPORT __attribute__((visibility("default")))
#endif

/**
 * Toolchain fingerprint of a plugin with no Swift (or other runtime) dependency, such as
 * a plugin written in plain C. The host accepts it from any compiler.
 */
#define EDDY_TOOLCHAIN_NONE "none"

/**
 * Identity of the C compiler embedded in the compiler that compiles this header.
 *
 * When Swift code imports this header, the expression is evaluated by the clang inside
 * `swiftc`, whose version string names the exact llvm-project commit of that Swift
 * toolchain. The Swift SDK uses it (with the Swift compiler version) to build the
 * toolchain fingerprint, because Swift has no stable ABI on Linux: a Swift plugin and
 * its host must come from the same toolchain. Returns a static string.
 */
static inline const char *eddy_compiler_identity(void) {
#if defined(__VERSION__)
    return __VERSION__;
#else
    return "unknown";
#endif
}

/**
 * True when the struct at `ptr`, whose first field is `struct_size`, is large enough to
 * contain `field` of type `type`. Use it before reading a field appended by a newer minor
 * version, for example `EDDY_HAS_FIELD(eddy_host_api, host, request_commit)`.
 */
#define EDDY_HAS_FIELD(type, ptr, field) \
    ((ptr)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* ------------------------------------------------------------------------------------
 * Status codes
 * ---------------------------------------------------------------------------------- */

/** Result of a fallible call. Values are fixed; new codes are only ever added. */
typedef int32_t eddy_status;

/** Success. */
#define EDDY_OK 0
/**
 * The processor rejects this record (bad content, failed validation). The host routes the
 * record to the dead-letter topic with the message given to `set_error` as the reason,
 * then goes on with the next record. Only meaningful as a return of `process`.
 */
#define EDDY_REJECT 1
/**
 * The call failed in a way that is not about one record (a bug, a broken invariant, an
 * unusable configuration). The host fails the task, with the message given to
 * `set_error`, and never drops the record silently — whatever
 * `processing.exception.handler` says (that handler decides only about `EDDY_REJECT`):
 * the stream thread ends and its `uncaught.exception.handler` decides what follows
 * (replace the thread, stop the worker, or stop the application). `EddyTestKit`'s drivers
 * throw `TestDriverError.failed` for it, whatever their error policy.
 */
#define EDDY_ERROR 2
/** A lookup found nothing: missing store key, unknown config key, iterator at its end. */
#define EDDY_NOT_FOUND 3
/** An argument is invalid: undeclared store, wrong store kind, unknown child name. */
#define EDDY_INVALID_ARGUMENT 4
/** The host does not offer this service (for example a test host without metrics). */
#define EDDY_UNSUPPORTED 5

/* ------------------------------------------------------------------------------------
 * Value types (frozen: passed by value, never extended)
 * ---------------------------------------------------------------------------------- */

/**
 * A byte slice. `ptr == NULL` means "absent" (a null Kafka key or value, a tombstone);
 * a non-NULL `ptr` with `len == 0` is an empty, present value. Who owns the bytes and for
 * how long is stated wherever a slice is passed.
 */
typedef struct eddy_bytes {
    const uint8_t *ptr;
    size_t len;
} eddy_bytes;

/**
 * A UTF-8 string slice, not necessarily NUL-terminated. `ptr == NULL` means absent.
 * Ownership is stated wherever one is passed.
 */
typedef struct eddy_str {
    const char *ptr;
    size_t len;
} eddy_str;

/* ------------------------------------------------------------------------------------
 * Opaque handles (owned by the host)
 * ---------------------------------------------------------------------------------- */

/**
 * The host's side of one processor instance: which task it belongs to, its stores,
 * schedules, config and error slot. Created by the host before `init`, valid until
 * `close` returns. Only the host dereferences it.
 */
typedef struct eddy_context eddy_context;

/** A state store of one processor instance; obtained from `get_store`, valid until close. */
typedef struct eddy_store eddy_store;

/**
 * A cursor over store entries, from `kv_range`, `kv_prefix_scan` or `window_fetch`.
 * Owned by the host; the plugin must release it with `iterator_close` during the same
 * callback that opened it.
 */
typedef struct eddy_iterator eddy_iterator;

/* ------------------------------------------------------------------------------------
 * Records
 * ---------------------------------------------------------------------------------- */

/** One record header (Kafka header): a string key and an optional byte value. */
typedef struct eddy_header {
    /** `sizeof(eddy_header)` of the writer; also the stride of a header array. */
    uint32_t struct_size;
    /** Header key (UTF-8). */
    eddy_str key;
    /** Header value; `ptr == NULL` for a null value. */
    eddy_bytes value;
} eddy_header;

/**
 * A view of one record. When the host passes it to `process`, the struct and everything
 * it points to are borrowed for the duration of that call: copy what you keep. When the
 * plugin passes it to `forward`, the plugin owns it and the host copies what it needs
 * before `forward` returns.
 */
typedef struct eddy_record {
    /** `sizeof(eddy_record)` of the writer. */
    uint32_t struct_size;
    /** Record key; `ptr == NULL` for a null key. */
    eddy_bytes key;
    /** Record value; `ptr == NULL` for a null value (a tombstone). */
    eddy_bytes value;
    /** Event time, milliseconds since the Unix epoch. */
    int64_t timestamp;
    /**
     * Source topic of the record being processed, or absent (`ptr == NULL`) when
     * unknown, for example for records forwarded from a punctuation. Ignored in `forward`.
     */
    eddy_str topic;
    /** Source partition, or -1 when unknown. Ignored in `forward`. */
    int32_t partition;
    /** Source offset, or -1 when unknown. Ignored in `forward`. */
    int64_t offset;
    /**
     * `header_count` headers laid out with a stride of `headers[0].struct_size` bytes
     * (use `eddy_record_header`). NULL when `header_count` is 0.
     */
    const eddy_header *headers;
    size_t header_count;
} eddy_record;

/**
 * The `index`-th header of `record` (0-based, `index < record->header_count`), honouring
 * the stride written by the producer of the array. Borrowed like the record.
 */
static inline const eddy_header *eddy_record_header(const eddy_record *record, size_t index) {
    return (const eddy_header *)((const char *)record->headers +
                                 index * (size_t)record->headers->struct_size);
}

/**
 * The `index`-th record of an array of records (as passed to `process_batch`), honouring
 * the stride `records[0].struct_size` written by the producer of the array.
 */
static inline const eddy_record *eddy_record_at(const eddy_record *records, size_t index) {
    return (const eddy_record *)((const char *)records + index * (size_t)records->struct_size);
}

/** One entry yielded by an iterator; filled in by the host in `iterator_next`. */
typedef struct eddy_entry {
    /** Set by the plugin to `sizeof(eddy_entry)` before calling `iterator_next`. */
    uint32_t struct_size;
    /** Entry key. */
    eddy_bytes key;
    /** Entry value. */
    eddy_bytes value;
    /** Window start (ms) for window stores; 0 for key-value stores. */
    int64_t window_start;
    /** Window end (ms, exclusive) for window stores; 0 for key-value stores. */
    int64_t window_end;
} eddy_entry;

/* ------------------------------------------------------------------------------------
 * Declarations inside the descriptor
 * ---------------------------------------------------------------------------------- */

/** Kind of a state store. */
typedef int32_t eddy_store_kind;
/** Key-value store: get / put / delete / range / prefix scan. */
#define EDDY_STORE_KEY_VALUE 1
/** Window store: values per (key, window start), fetched by time range. */
#define EDDY_STORE_WINDOW 2
/**
 * Session store: values per (key, session window `[start, end]`), read with
 * `session_fetch` and written with `session_put` / `session_remove` (ABI 1.3; check
 * `EDDY_HAS_FIELD(eddy_host_api, host, session_fetch)` on older hosts).
 */
#define EDDY_STORE_SESSION 3

/**
 * A state store a processor declares. The host creates it (persistent, one instance per
 * task, with a changelog topic if asked) before `init`, and keeps it across hot reloads.
 * All strings are static, owned by the plugin image.
 */
typedef struct eddy_store_decl {
    /** `sizeof(eddy_store_decl)` of the plugin. */
    uint32_t struct_size;
    /** Store name, unique within the processor; becomes part of the changelog topic name. */
    const char *name;
    /** `EDDY_STORE_KEY_VALUE`, `EDDY_STORE_WINDOW` or `EDDY_STORE_SESSION`. */
    eddy_store_kind kind;
    /** Serde of keys, e.g. "string", "bytes", "i64", "json" (informative: the host stores bytes). */
    const char *key_serde;
    /** Serde of values, same vocabulary as `key_serde`. */
    const char *value_serde;
    /** Whether the host keeps a changelog topic so the store survives a move of its task. */
    bool changelog;
    /** Window and session stores: how long data is kept, in ms; 0 for key-value stores. */
    int64_t retention_ms;
    /** Window stores: window size in ms; 0 for other kinds. */
    int64_t window_size_ms;
} eddy_store_decl;

/** Type of a config value, for validation and documentation. Values are passed as text. */
typedef int32_t eddy_config_type;
/** Any text. */
#define EDDY_CONFIG_STRING 1
/** A decimal 64-bit integer, e.g. "42" or "-7". */
#define EDDY_CONFIG_INT 2
/** A decimal number, e.g. "0.8". */
#define EDDY_CONFIG_DOUBLE 3
/** "true" or "false". */
#define EDDY_CONFIG_BOOL 4

/**
 * One configuration key a processor accepts. The host validates the app's config against
 * these (type, required) before `init` and fills in defaults, so `config` at runtime only
 * returns well-typed text. All strings are static, owned by the plugin image.
 */
typedef struct eddy_config_key {
    /** `sizeof(eddy_config_key)` of the plugin. */
    uint32_t struct_size;
    /** Key, dotted Kafka style, e.g. "high.risk.threshold". */
    const char *name;
    /** One of `EDDY_CONFIG_*`. */
    eddy_config_type type;
    /** Default as text, or NULL when the key is required. */
    const char *default_value;
    /** One line of documentation, or NULL. */
    const char *doc;
} eddy_config_key;

/** How a punctuation is driven. */
typedef int32_t eddy_punctuation_type;
/** Fires as stream time (the largest record timestamp seen by the task) advances. */
#define EDDY_PUNCTUATE_STREAM_TIME 1
/** Fires as the host's wall clock advances. */
#define EDDY_PUNCTUATE_WALL_CLOCK 2

struct eddy_host_api;

/**
 * A processor: the unit a topology node runs. All strings and arrays are static, owned
 * by the plugin image.
 */
typedef struct eddy_processor {
    /** `sizeof(eddy_processor)` of the plugin. */
    uint32_t struct_size;
    /** Name, unique within the plugin; topologies refer to `plugin/name`. */
    const char *name;
    /** One line of documentation, or NULL. */
    const char *doc;
    /** `store_count` pointers to the stores this processor uses; NULL when none. */
    const eddy_store_decl *const *stores;
    size_t store_count;
    /** `config_count` pointers to the config keys this processor accepts; NULL when none. */
    const eddy_config_key *const *config;
    size_t config_count;
    /** Opaque plugin data for the plugin's own use in `init` (e.g. a factory); may be NULL. */
    const void *plugin_data;

    /**
     * Creates one instance for one task.
     *
     * Called on the stream thread that will own the instance, after the host created the
     * declared stores and validated the config. The instance may call host services
     * through `host` with `ctx` (for example fetch its stores, read config, schedule
     * punctuations) during `init` and during every later callback, never after `close`.
     *
     * @param processor    this descriptor entry (to reach `plugin_data`); static.
     * @param host         the host API table; valid until `close` returns.
     * @param ctx          the host's context for this instance; valid until `close` returns.
     * @param instance_out where the plugin writes its instance pointer (plugin-owned,
     *                     opaque to the host, passed back to every later call).
     * @return `EDDY_OK`, or `EDDY_ERROR` after `set_error` (the host does not call
     *         `close` for an instance whose `init` failed).
     */
    eddy_status (*init)(const struct eddy_processor *processor,
                        const struct eddy_host_api *host,
                        eddy_context *ctx,
                        void **instance_out);

    /**
     * Processes one record. May call `forward` any number of times and use the stores.
     *
     * @param instance from `init`.
     * @param record   borrowed for the duration of this call.
     * @return `EDDY_OK`; `EDDY_REJECT` to send this record to the dead-letter topic; or
     *         `EDDY_ERROR` to fail the task. Call `set_error` before any non-OK return.
     */
    eddy_status (*process)(void *instance, const eddy_record *record);

    /**
     * A scheduled punctuation fired (see `schedule`). May forward and use stores.
     * May be NULL when the processor never schedules.
     *
     * @param instance    from `init`.
     * @param schedule_id the id `schedule` returned.
     * @param timestamp   the stream time or wall-clock time (ms) that fired it.
     * @return `EDDY_OK`, or `EDDY_ERROR` after `set_error` to fail the task.
     */
    eddy_status (*punctuate)(void *instance, uint64_t schedule_id, int64_t timestamp);

    /**
     * Ends the instance: the task was revoked, the app stops, or a hot reload replaced
     * the plugin version at a commit boundary. The plugin releases what `init` created.
     * Host services may be used during `close` (e.g. a final flush to a store); after it
     * returns, `ctx` and the host table are gone for this instance.
     */
    void (*close)(void *instance);

    /* --- appended in ABI 1.1 ------------------------------------------------------- */

    /**
     * Processes `count` records in order, exactly as `count` calls of `process` would, in
     * one crossing of the ABI. Optional: NULL when the plugin has none, and absent from
     * plugins built against ABI 1.0 (check `EDDY_HAS_FIELD(eddy_processor, p,
     * process_batch)`); the host then calls `process` per record. Hosts use it for runs of
     * records of one task.
     *
     * @param instance      from `init`.
     * @param records       `count` records laid out with a stride of `records[0].struct_size`
     *                      bytes, borrowed for the duration of this call.
     * @param count         at least 1.
     * @param processed_out receives how many records, from the first, were processed with
     *                      `EDDY_OK`: `count` when the call returns `EDDY_OK`; otherwise the
     *                      index of the record that was rejected or failed (the return value
     *                      and `set_error` say which and why). After a rejection the host
     *                      dead-letters that record and continues with the next one.
     * @return `EDDY_OK`, `EDDY_REJECT` or `EDDY_ERROR`, as for `process`.
     */
    eddy_status (*process_batch)(void *instance, const eddy_record *records, size_t count,
                                 size_t *processed_out);
} eddy_processor;

/**
 * A typed function the declarative topology may call (filters, maps, computed fields),
 * through libffi, with the C signature spelled by `signature`.
 *
 * Signature grammar: `ret(arg,arg,...)` with no spaces, e.g. `f64(f64,str)`, `bool(str)`,
 * `i64(bytes)`, `i32()`. Argument types and the C type each becomes:
 *   bool -> bool, i32 -> int32_t, i64 -> int64_t, f64 -> double,
 *   str -> eddy_str (by value, borrowed for the call), bytes -> eddy_bytes (by value,
 *   borrowed for the call).
 * Return types: bool, i32, i64, f64, or void.
 *
 * Typed functions must be pure (the same arguments give the same result) and
 * thread-safe; they may be called concurrently from any thread, and get no context.
 */
typedef struct eddy_function {
    /** `sizeof(eddy_function)` of the plugin. */
    uint32_t struct_size;
    /** Name, unique within the plugin, e.g. "risk_score". */
    const char *name;
    /** Signature string, see above. The host refuses the plugin if it does not parse. */
    const char *signature;
    /** The function, cast to a generic function pointer; the host calls it via libffi. */
    void (*function)(void);
    /** One line of documentation, or NULL. */
    const char *doc;
} eddy_function;

/* ------------------------------------------------------------------------------------
 * Topologies (appended in ABI 1.2)
 *
 * A plugin may export a whole Streams DSL topology, as Kafka Streams applications are
 * written: `stream(topic).filter(...).groupByKey().count()`. The plugin describes the
 * graph; the host runs it. Operators (filtering, re-keying, repartitioning, stateful
 * aggregation into a changelogged store) are the host's; the user's functions (the
 * predicate of a filter, the mapper of a mapValues, the aggregator of an aggregate) stay
 * in the plugin and are reached through one entry per node, `apply`, which the host calls
 * with a run of records at a time: one crossing per run and node, not per record.
 *
 * The host splits the graph into sub-topologies at REPARTITION nodes, as it does for an
 * application file's topology, and runs each sub-topology once per partition (a task).
 * ---------------------------------------------------------------------------------- */

/** What a topology node does. Values are fixed; new kinds are only ever added. */
typedef int32_t eddy_node_kind;
/** Reads `topics` (`key_serde`/`value_serde` name their encoding). No parents, no `apply`. */
#define EDDY_NODE_SOURCE 1
/** Writes every record it receives to `topics[0]`. No `apply`. */
#define EDDY_NODE_SINK 2
/** Runs `processor`, a processor of this plugin (the Processor API inside the DSL). */
#define EDDY_NODE_PROCESSOR 3
/** Forwards every record unchanged: a merge of its parents, a branch output, `toStream`. */
#define EDDY_NODE_PASSTHROUGH 4
/**
 * Writes its records to an internal topic, `<application.id>-<name>-repartition`, and
 * reads them back in another sub-topology, so that records are partitioned by their
 * (new) key. `partitions` fixes the topic's partition count (0: that of its input).
 */
#define EDDY_NODE_REPARTITION 5
/** `apply` writes `results[i]` = 1 to keep record i, 0 to drop it (see `EDDY_NODE_NEGATE`). */
#define EDDY_NODE_FILTER 6
/** `apply` emits exactly one (key, value) per record. The key may change. */
#define EDDY_NODE_MAP 7
/** `apply` emits any number of (key, value) per record. The key may change. */
#define EDDY_NODE_FLAT_MAP 8
/** `apply` emits exactly one value per record; the key stays (the emitted key is ignored). */
#define EDDY_NODE_MAP_VALUES 9
/** `apply` emits any number of values per record; the key stays. */
#define EDDY_NODE_FLAT_MAP_VALUES 10
/** `apply` emits exactly one key per record; the value stays (the emitted value is ignored). */
#define EDDY_NODE_SELECT_KEY 11
/** `apply` sees every record and emits nothing; the host forwards the records unchanged. */
#define EDDY_NODE_PEEK 12
/** `apply` sees every record and emits nothing; the node has no children. */
#define EDDY_NODE_FOREACH 13
/**
 * `apply` writes `results[i]` = the branch record i goes to (0 ≤ b < `branch_count`), or
 * -1 to drop it. Branch b's records go only to the node named `branches[b]`.
 */
#define EDDY_NODE_BRANCH 14
/**
 * Counts records per key in `store` (a key-value store; the count is an 8-byte big-endian
 * signed integer) and forwards (key, new count), or per window of `window` (appended in
 * 1.3). No `apply`. Records with a null key or a null value are skipped and counted as
 * dropped, as in Kafka Streams.
 */
#define EDDY_NODE_COUNT 15
/**
 * Reduces the values of each key in `store`: the first value of a key is stored as it is;
 * for every later one `apply` is called with `aggregates[i]` = the stored value and emits
 * exactly one new value. Forwards (key, new value). Null keys and values are skipped.
 */
#define EDDY_NODE_REDUCE 16
/**
 * Aggregates the values of each key in `store`: `apply` is called with `aggregates[i]` =
 * the stored aggregate, absent (`ptr == NULL`) for a key seen for the first time (the
 * plugin starts from its initializer), and emits exactly one new aggregate per record.
 * Forwards (key, new aggregate). Null keys and values are skipped.
 */
#define EDDY_NODE_AGGREGATE 17
/**
 * Materializes the stream as a table in `store`: a value is put under its key, a null
 * value (tombstone) deletes the key; forwards every update. No `apply`. Null keys are
 * skipped.
 */
#define EDDY_NODE_TO_TABLE 18

/**
 * Holds back a windowed table's updates (appended in 1.3): until each window closes (one
 * final result per window, when stream time passes its end plus the grace), or a time limit
 * after a key's first buffered update; see `eddy_suppress`. The buffer is `store`, a
 * changelogged key-value store, so that a crash neither loses nor repeats a final result.
 * `window` repeats the windows of the table it reads. No `apply`.
 */
#define EDDY_NODE_SUPPRESS 19
/**
 * A stream function only (appended in 1.3): `apply` emits, per record, its event time as
 * an 8-byte big-endian signed integer (ms since the epoch) in the value, or rejects the
 * record. A SOURCE names one in `timestamp_extractor`.
 */
#define EDDY_NODE_TIMESTAMP_EXTRACTOR 20
/**
 * Reads `topics[0]` as a table (appended in 1.4, Kafka Streams' `builder.table`): each
 * record is put under its key in `store` (a key-value store), a tombstone deletes the key,
 * and every change is forwarded; a tombstone of a key the table does not hold changes
 * nothing and is not forwarded. The store's changelog is the topic itself: the host writes
 * no changelog of its own for it and restores it from the topic. No parents, no `apply`.
 */
#define EDDY_NODE_TABLE_SOURCE 21
/**
 * A global table (appended in 1.4, `builder.globalTable`): every worker reads every
 * partition of `topics[0]` into `store` (a key-value store, never changelogged) before any
 * task processes, and keeps it current. Not part of the graph: no parents, no children,
 * no `apply`; a STREAM_GLOBAL_JOIN names its store in `join_stores[0]`.
 */
#define EDDY_NODE_GLOBAL_TABLE 22
/**
 * A windowed stream–stream join (appended in 1.4): `parents[0]` is the left stream,
 * `parents[1]` the right. A record joins every record of the other side with the same key
 * whose timestamp lies within `join_windows` of its own (left `t`: right records in
 * `[t - before_ms, t + after_ms]`). `join_stores` are the left side's window store, the
 * right side's window store and, for LEFT and OUTER joins, the shared key-value store of
 * records still without a partner, which the host emits (with an absent other side) only
 * once their window has closed in stream time (plus `grace_ms`) — never early. Records with
 * a null key or value are dropped and counted. Results take the larger timestamp of the
 * two records. `apply` is the joiner, see "Joiners" below.
 */
#define EDDY_NODE_STREAM_STREAM_JOIN 23
/**
 * A stream–table join (appended in 1.4): `parents[0]` is the stream, `parents[1]` the table
 * whose store is `join_stores[0]`. Each stream record is joined with the table's current
 * value of its key (INNER: only when there is one; LEFT: with an absent right side when
 * there is none); table updates only materialize and emit nothing. Stream records with a
 * null key or value are dropped and counted. Results keep the stream record's timestamp.
 * `apply` is the joiner.
 */
#define EDDY_NODE_STREAM_TABLE_JOIN 24
/**
 * A stream–global-table join (appended in 1.4): `parents[0]` is the stream, `join_stores[0]`
 * the global table's store. `key_selector` (a stream function of kind SELECT_KEY) picks,
 * per stream record, the global table's key to look up; the output keeps the stream's key.
 * INNER and LEFT as for STREAM_TABLE_JOIN. `apply` is the joiner.
 */
#define EDDY_NODE_STREAM_GLOBAL_JOIN 25
/**
 * A table–table join (appended in 1.4): `parents[0]` and `parents[1]` are the left and right
 * tables, `join_stores[0]` and `join_stores[1]` their stores. An update of either side
 * looks the key up in the other side's store and emits the joined value, or a tombstone
 * when the join no longer holds for the key (INNER: either side missing; LEFT: the left
 * missing; OUTER: both missing). Results take the updating record's timestamp. `apply` is
 * the joiner.
 */
#define EDDY_NODE_TABLE_TABLE_JOIN 26
/**
 * A foreign-key table–table join (appended in 1.4, Kafka Streams' `KTable.join(other,
 * foreignKeyExtractor, joiner)`): `parents[0]` is the left table, `parents[1]` the right
 * one, `join_stores[0]` and `join_stores[1]` their stores. `key_selector` (a stream
 * function of kind SELECT_KEY) emits, per left entry, the right table's key it refers to.
 * The host runs Kafka Streams' subscription/response design: each left update sends a
 * subscription (its key and a hash of its value) to the foreign key's partition through
 * `<application.id>-<name>-subscription-registration-repartition`, kept in the store
 * `<name>-subscription-store`; a subscription and every update of the right entry answer
 * through `<application.id>-<name>-subscription-response-repartition` to the left key's
 * partition, where an answer whose hash no longer matches the left value is stale and
 * dropped. The left keys' current foreign keys are kept in `<name>-foreign-keys-store`.
 * INNER or LEFT. Results take the timestamp of the update that caused them. `apply` is
 * the joiner.
 */
#define EDDY_NODE_FOREIGN_KEY_JOIN 27
/**
 * A joiner exported as a stream function (appended in 1.5), for an application file's
 * `join` node (`joiner: Plugin.name`) in place of its JSON merge: `apply` is called as the
 * joiner of a `*_JOIN` node (see "Joiners" below). Never a node of a topology.
 */
#define EDDY_NODE_JOINER 28

/** FILTER: keep the records the predicate rejects (`filterNot`). */
#define EDDY_NODE_NEGATE 0x1u
/**
 * FILTER and MAP_VALUES: the input is a table's update stream (KTable semantics). A
 * tombstone is forwarded as a tombstone without calling `apply`; a FILTER forwards a
 * tombstone for each update it drops, so that downstream tables delete the key.
 */
#define EDDY_NODE_TABLE 0x2u

/** Which windows an aggregation keeps (appended in 1.3). */
typedef int32_t eddy_window_type;
/** No windows: one aggregate per key. */
#define EDDY_WINDOW_NONE 0
/** Time windows `[start, start + size_ms)` every `advance_ms` (tumbling when equal, else hopping). */
#define EDDY_WINDOW_TIME 1
/** Sliding windows `[t - size_ms, t]` around each record's time `t` (Kafka Streams' `SlidingWindows`). */
#define EDDY_WINDOW_SLIDING 2
/** Session windows: a key's records less than `size_ms` apart share one; a record that bridges two merges them. */
#define EDDY_WINDOW_SESSION 3

/**
 * The windows of a COUNT, REDUCE or AGGREGATE (and of the table a SUPPRESS reads), all in
 * ms of event time. A record later than its window's end plus `grace_ms` (in stream time)
 * is dropped and counted. The node's `store` is then a window store (time and sliding
 * windows) or a session store, whose `retention_ms` bounds how long windows are kept.
 * Outputs are keyed by the window: the key's bytes, then the window start as 8 big-endian
 * bytes (time and sliding windows), or the session's end and then start (8 + 8 bytes), as
 * Kafka Streams' windowed serdes write them.
 */
typedef struct eddy_window {
    eddy_window_type type;
    /** TIME: the window size; SLIDING: the time difference; SESSION: the inactivity gap. */
    int64_t size_ms;
    /** TIME: how far apart windows start (`size_ms` for tumbling windows); 0 otherwise. */
    int64_t advance_ms;
    /** How long after its end a window still takes late records. */
    int64_t grace_ms;
} eddy_window;

/** Which records a join keeps (appended in 1.4). */
typedef int32_t eddy_join_type;
/** Only keys both sides have. */
#define EDDY_JOIN_INNER 1
/** Every left record or entry; the right side may be absent. */
#define EDDY_JOIN_LEFT 2
/** Every record or entry of either side; either side may be absent (never both). */
#define EDDY_JOIN_OUTER 3

/**
 * The windows of a STREAM_STREAM_JOIN (appended in 1.4, Kafka Streams' `JoinWindows`), in
 * ms of event time: a left record at `t` joins right records in `[t - before_ms, t +
 * after_ms]`; records of a window still join `grace_ms` after it ends in stream time, and a
 * record later than that is dropped and counted.
 */
typedef struct eddy_join_windows {
    int64_t before_ms;
    int64_t after_ms;
    int64_t grace_ms;
} eddy_join_windows;

/*
 * Joiners (appended in 1.4). The `apply` of a `*_JOIN` node computes joined values, a run of
 * pairs per call: `records[i]` carries the key, the left value (absent, `ptr == NULL`, when
 * an OUTER join has no left side) and the result's timestamp and headers; `aggregates[i]`
 * is the right value (absent when a LEFT or OUTER join has no right side). The joiner emits
 * exactly one value per pair with `host->emit(ctx, i, (eddy_bytes){0}, joined)`, or rejects
 * the pair like any function. A joiner is never called for a tombstone the join emits.
 */

/** When a SUPPRESS lets an update go (appended in 1.3). */
typedef int32_t eddy_suppress_until;
/** One final result per window, when stream time passes the window's end plus its grace. */
#define EDDY_SUPPRESS_WINDOW_CLOSES 1
/** A key's latest update, `time_limit_ms` of stream time after its first buffered update. */
#define EDDY_SUPPRESS_TIME_LIMIT 2

/** What a SUPPRESS does when its buffer is full. */
typedef int32_t eddy_suppress_full;
/** Emit the oldest updates early, to make room. */
#define EDDY_SUPPRESS_EMIT_EARLY 1
/** Fail the task (Kafka Streams' `shutDownWhenFull`). */
#define EDDY_SUPPRESS_SHUT_DOWN 2

/** The settings of a SUPPRESS node. */
typedef struct eddy_suppress {
    eddy_suppress_until until;
    /** TIME_LIMIT: how long a key's updates wait, in ms of stream time. */
    int64_t time_limit_ms;
    /** Buffer bounds: records and bytes of keys and values; 0 for unbounded. */
    int64_t max_records;
    int64_t max_bytes;
    eddy_suppress_full when_full;
} eddy_suppress;

/**
 * One node of an exported topology. All strings and arrays are static, owned by the plugin
 * image. Fields a kind does not use are NULL or 0.
 */
typedef struct eddy_node {
    /** `sizeof(eddy_node)` of the plugin. */
    uint32_t struct_size;
    /**
     * Name, unique within the topology (e.g. `KSTREAM-FILTER-0000000002` or a name the
     * author chose); what `eddy topology describe` prints and errors name.
     */
    const char *name;
    /** One of `EDDY_NODE_*`. */
    eddy_node_kind kind;
    /** `EDDY_NODE_NEGATE`, `EDDY_NODE_TABLE`, or 0. */
    uint32_t flags;
    /** Names of the nodes whose output this node reads (none for a SOURCE). */
    const char *const *parents;
    size_t parent_count;
    /** SOURCE: the topics it reads; SINK: the one topic it writes. */
    const char *const *topics;
    size_t topic_count;
    /**
     * SOURCE, SINK, REPARTITION: the serdes of keys and values, in the vocabulary of
     * `eddy_store_decl.key_serde` ("string", "i64", "json", "bytes" or a plugin's own
     * name). The host checks the ones it knows on the way in; others are bytes to it.
     */
    const char *key_serde;
    const char *value_serde;
    /** COUNT, REDUCE, AGGREGATE, TO_TABLE: the key-value store the node keeps its table in. */
    const eddy_store_decl *store;
    /** PROCESSOR: the name of one of this plugin's processors. */
    const char *processor;
    /** BRANCH: the names of the nodes that receive branch 0, 1, …; each lists this node as its parent. */
    const char *const *branches;
    size_t branch_count;
    /** REPARTITION: the partition count of its topic; 0 for that of the node's input. */
    int32_t partitions;
    /** Opaque plugin data for `apply` (for example the closure behind the node); may be NULL. */
    const void *plugin_data;

    /**
     * Runs the node's function on a run of records, for FILTER, MAP, FLAT_MAP, MAP_VALUES,
     * FLAT_MAP_VALUES, SELECT_KEY, PEEK, FOREACH, BRANCH, REDUCE and AGGREGATE; NULL for the
     * other kinds.
     *
     * Called on the stream thread that owns the task, never concurrently for one `ctx`;
     * different tasks call it concurrently, so the function must keep no shared mutable
     * state. The plugin gives its outputs back through `host->emit(ctx, i, key, value)`,
     * for the records in order (all outputs of record i before those of record i + 1), or
     * through `results`.
     *
     * @param node          this descriptor entry (to reach `plugin_data`); static.
     * @param host          the host API table; valid for the call.
     * @param ctx           the host's context of this node in this task; valid for the call.
     * @param records       `count` records laid out with a stride of `records[0].struct_size`
     *                      bytes, borrowed for the call. For REDUCE and AGGREGATE their keys
     *                      are distinct and never null, and their values never null.
     * @param count         at least 1.
     * @param aggregates    REDUCE, AGGREGATE: `count` slices, the current aggregate of each
     *                      record's key (borrowed for the call); NULL for other kinds.
     * @param results       FILTER, BRANCH: `count` slots for the plugin to fill; NULL otherwise.
     * @param processed_out receives how many records, from the first, were handled: `count`
     *                      with `EDDY_OK`; otherwise the index of the record that failed.
     *                      After `EDDY_REJECT` the host discards what was emitted for that
     *                      record, routes it to the error policy (the dead-letter topic by
     *                      default) and calls again with the records after it.
     * @return `EDDY_OK`; `EDDY_REJECT` (the record at `*processed_out` is bad: the function
     *         threw, or its key or value does not decode); `EDDY_ERROR` to fail the task.
     *         Call `set_error` before any non-OK return.
     */
    eddy_status (*apply)(const struct eddy_node *node, const struct eddy_host_api *host, eddy_context *ctx,
                         const eddy_record *records, size_t count, const eddy_bytes *aggregates,
                         int32_t *results, size_t *processed_out);

    /* --- appended in ABI 1.3 ------------------------------------------------------- */

    /** COUNT, REDUCE, AGGREGATE: the windows aggregated in; SUPPRESS: those of its table. */
    eddy_window window;

    /**
     * REDUCE and AGGREGATE over session windows: merges the aggregates of the sessions of
     * `key` that a record bridges into one, in order (`count` ≥ 2), and emits it with
     * `host->emit(ctx, 0, (eddy_bytes){0}, merged)`. NULL for other nodes. Called on the
     * stream thread that owns the task, like `apply`; the slices are borrowed for the call.
     *
     * @return `EDDY_OK`, or `EDDY_ERROR` after `set_error` to fail the task.
     */
    eddy_status (*merge)(const struct eddy_node *node, const struct eddy_host_api *host, eddy_context *ctx,
                         eddy_bytes key, const eddy_bytes *aggregates, size_t count);

    /** SUPPRESS: when updates go on, and the buffer's bounds. */
    eddy_suppress suppress;

    /**
     * SOURCE: the stream function (kind TIMESTAMP_EXTRACTOR) that gives each record its
     * event time, or NULL for the record's own timestamp. Static, owned by the plugin image.
     */
    const struct eddy_node *timestamp_extractor;

    /* --- appended in ABI 1.4 ------------------------------------------------------- */

    /** `*_JOIN`: inner, left or outer (`EDDY_JOIN_*`). */
    eddy_join_type join_type;
    /** STREAM_STREAM_JOIN: the join windows. */
    eddy_join_windows join_windows;
    /**
     * `*_JOIN`: the stores the join keeps (STREAM_STREAM_JOIN) or reads (the tables' stores,
     * declared by the nodes that materialize them), in the order each kind documents.
     * Static, owned by the plugin image.
     */
    const eddy_store_decl *const *join_stores;
    size_t join_store_count;
    /**
     * STREAM_GLOBAL_JOIN: the stream function (kind SELECT_KEY) that emits, per stream
     * record, the global table's key to join with; FOREIGN_KEY_JOIN: the foreign-key
     * extractor, which emits per left entry the right table's key. It is called like any
     * `apply`, on the stream thread that owns the task. Static, owned by the plugin image;
     * NULL otherwise.
     */
    const struct eddy_node *key_selector;
} eddy_node;

/**
 * A topology a plugin exports: its nodes in an order where every node comes after its
 * parents. Static, owned by the plugin image.
 */
typedef struct eddy_topology {
    /** `sizeof(eddy_topology)` of the plugin. */
    uint32_t struct_size;
    /** `node_count` pointers to nodes. */
    const eddy_node *const *nodes;
    size_t node_count;
} eddy_topology;

/**
 * The descriptor the entry symbol returns. Static: it and everything it points to must
 * stay valid and unchanged for the life of the process.
 */
typedef struct eddy_plugin {
    /** `sizeof(eddy_plugin)` of the plugin. */
    uint32_t struct_size;
    /** Must be `EDDY_ABI_MAJOR`. */
    uint32_t abi_major;
    /** `EDDY_ABI_MINOR` of the header the plugin was built with. */
    uint32_t abi_minor;
    /**
     * The toolchain that built the plugin: for Swift plugins the fingerprint the SDK bakes
     * in at compile time (the host refuses one that differs from its own); for plugins
     * with no Swift runtime dependency, `EDDY_TOOLCHAIN_NONE`.
     */
    const char *toolchain;
    /** Plugin name, e.g. "wordcount"; with `version` the key of the host's registry. */
    const char *name;
    /** Plugin version, e.g. "1.2.0". */
    const char *version;
    /** One line of documentation, or NULL. */
    const char *doc;
    /** `processor_count` pointers to processors; NULL when none. */
    const eddy_processor *const *processors;
    size_t processor_count;
    /** `function_count` pointers to typed functions; NULL when none. */
    const eddy_function *const *functions;
    size_t function_count;

    /* --- appended in ABI 1.2 ------------------------------------------------------- */

    /**
     * The Streams DSL topology the plugin exports, or NULL when it exports none (check
     * `EDDY_HAS_FIELD(eddy_plugin, p, topology)` first: plugins built against ABI 1.0 and
     * 1.1 end before it). An application runs it with `topology: {plugin: <name>}`.
     */
    const eddy_topology *topology;
    /**
     * `stream_function_count` pointers to stream functions: nodes of a function kind
     * (FILTER, MAP, FLAT_MAP, MAP_VALUES, FLAT_MAP_VALUES, SELECT_KEY, PEEK, FOREACH, REDUCE,
     * AGGREGATE) with a name and `apply` but no parents, which an application file's nodes
     * call by name (`{type: flat_map_values, function: <plugin>.<name>}`); NULL when none.
     */
    const eddy_node *const *stream_functions;
    size_t stream_function_count;
} eddy_plugin;

/* ------------------------------------------------------------------------------------
 * Host API table (implemented by the host; append-only)
 * ---------------------------------------------------------------------------------- */

/** Log levels for `log`, from the most to the least verbose. */
typedef int32_t eddy_log_level;
/** Step-by-step detail, normally off. */
#define EDDY_LOG_TRACE 0
/** Detail useful when debugging the processor. */
#define EDDY_LOG_DEBUG 1
/** Normal operation worth recording. */
#define EDDY_LOG_INFO 2
/** Something unexpected that the processor handled. */
#define EDDY_LOG_WARN 3
/** Something failed; usually followed by a non-OK status. */
#define EDDY_LOG_ERROR 4

/**
 * Services the host offers to processor instances. One static table per host, valid for
 * the life of every instance it was given to. Every function takes the `ctx` of the
 * calling instance and may only be called on the thread that is inside a callback of
 * that instance (`init`, `process`, `punctuate`, `close`), during that callback.
 *
 * Slices the host returns through out-parameters are owned by the host and valid until
 * the next call into this table with the same `ctx`, or the end of the current callback,
 * whichever comes first, unless a function says otherwise. Slices and strings the plugin
 * passes in are borrowed by the host for the duration of the call only.
 */
typedef struct eddy_host_api {
    /** `sizeof(eddy_host_api)` of the host: check it with `EDDY_HAS_FIELD` for new fields. */
    uint32_t struct_size;
    /** The host's `EDDY_ABI_MAJOR`. */
    uint32_t abi_major;
    /** The host's `EDDY_ABI_MINOR`. */
    uint32_t abi_minor;

    /* --- errors -------------------------------------------------------------------- */

    /**
     * Records why the current callback fails; call it before returning a non-OK status.
     * The host copies `message`. A later call in the same callback replaces the message.
     */
    void (*set_error)(eddy_context *ctx, eddy_str message);

    /* --- forwarding ---------------------------------------------------------------- */

    /**
     * Sends a record downstream, to every child node, or to the one named `child`.
     * The host copies the record's key, value and headers before returning; `topic`,
     * `partition` and `offset` are ignored.
     *
     * @param child  NUL-terminated child node name, or NULL for all children.
     * @param record owned by the plugin.
     * @return `EDDY_OK`, or `EDDY_INVALID_ARGUMENT` for an unknown child (message set).
     */
    eddy_status (*forward)(eddy_context *ctx, const char *child, const eddy_record *record);

    /* --- stores ---------------------------------------------------------------------- */

    /**
     * Looks up a store the processor declared.
     *
     * @param name      NUL-terminated store name, borrowed for the call.
     * @param store_out receives the host-owned handle, valid until `close` returns.
     * @return `EDDY_OK`, or `EDDY_NOT_FOUND` when the processor did not declare it.
     */
    eddy_status (*get_store)(eddy_context *ctx, const char *name, eddy_store **store_out);

    /**
     * Reads a key of a key-value store.
     *
     * @param value_out receives the value (host-owned, see the table's lifetime rule).
     * @return `EDDY_OK`, `EDDY_NOT_FOUND` when absent, `EDDY_INVALID_ARGUMENT` for a store
     *         of another kind.
     */
    eddy_status (*kv_get)(eddy_context *ctx, eddy_store *store, eddy_bytes key,
                          eddy_bytes *value_out);

    /** Writes a key of a key-value store; the host copies key and value. */
    eddy_status (*kv_put)(eddy_context *ctx, eddy_store *store, eddy_bytes key,
                          eddy_bytes value);

    /** Deletes a key of a key-value store; deleting an absent key is `EDDY_OK`. */
    eddy_status (*kv_delete)(eddy_context *ctx, eddy_store *store, eddy_bytes key);

    /**
     * Opens an iterator over keys in `[from, to]` (both inclusive, bytewise order). An
     * absent `from` (`ptr == NULL`) starts at the first key; an absent `to` ends at the
     * last one.
     */
    eddy_status (*kv_range)(eddy_context *ctx, eddy_store *store, eddy_bytes from,
                            eddy_bytes to, eddy_iterator **iterator_out);

    /** Opens an iterator over the keys that start with `prefix`, in bytewise order. */
    eddy_status (*kv_prefix_scan)(eddy_context *ctx, eddy_store *store, eddy_bytes prefix,
                                  eddy_iterator **iterator_out);

    /** Writes the value of `key` for the window starting at `window_start` (ms). */
    eddy_status (*window_put)(eddy_context *ctx, eddy_store *store, eddy_bytes key,
                              int64_t window_start, eddy_bytes value);

    /**
     * Opens an iterator over the windows of `key` whose start is in
     * `[time_from, time_to]` (ms, inclusive), in order of window start.
     */
    eddy_status (*window_fetch)(eddy_context *ctx, eddy_store *store, eddy_bytes key,
                                int64_t time_from, int64_t time_to,
                                eddy_iterator **iterator_out);

    /**
     * Advances an iterator. The plugin sets `entry_out->struct_size` first.
     * The entry's slices are host-owned and valid until the next `iterator_next` or
     * `iterator_close` on this iterator.
     *
     * @return `EDDY_OK` with an entry, or `EDDY_NOT_FOUND` at the end.
     */
    eddy_status (*iterator_next)(eddy_context *ctx, eddy_iterator *iterator,
                                 eddy_entry *entry_out);

    /** Releases an iterator; it must not be used afterwards. */
    void (*iterator_close)(eddy_context *ctx, eddy_iterator *iterator);

    /* --- time and punctuation -------------------------------------------------------- */

    /**
     * Schedules `punctuate` every `interval_ms`, driven by stream time or the wall clock
     * (`EDDY_PUNCTUATE_*`). It first fires one interval after it was scheduled (for stream
     * time with no record seen yet: one interval after the first record's timestamp). If
     * time jumps over several intervals it fires once, and is next due at the first
     * interval boundary after the current time.
     *
     * @param schedule_id_out receives an id, passed to `punctuate` and `cancel`.
     * @return `EDDY_OK`, or `EDDY_INVALID_ARGUMENT` for a non-positive interval or an
     *         unknown type.
     */
    eddy_status (*schedule)(eddy_context *ctx, eddy_punctuation_type type, int64_t interval_ms,
                            uint64_t *schedule_id_out);

    /** Cancels a schedule; cancelling an unknown id is `EDDY_NOT_FOUND`. */
    eddy_status (*cancel)(eddy_context *ctx, uint64_t schedule_id);

    /** Stream time of the task (ms): the largest timestamp seen; -1 before any record. */
    int64_t (*stream_time)(eddy_context *ctx);

    /** The host's wall-clock time (ms since the epoch); tests may drive it. */
    int64_t (*wall_clock_time)(eddy_context *ctx);

    /* --- identity and config --------------------------------------------------------- */

    /** Task id, e.g. "1_3" (sub-topology 1, partition 3); host-owned, valid until close. */
    eddy_str (*task_id)(eddy_context *ctx);

    /** The application id (`application.id`); host-owned, valid until close. */
    eddy_str (*application_id)(eddy_context *ctx);

    /**
     * Reads a config value, already validated against the declared keys (defaults
     * applied), as text.
     *
     * @param key       NUL-terminated key, borrowed for the call.
     * @param value_out receives the text, host-owned, valid until `close` returns.
     * @return `EDDY_OK`, or `EDDY_NOT_FOUND` when the key is unset and has no default.
     */
    eddy_status (*config)(eddy_context *ctx, const char *key, eddy_str *value_out);

    /* --- observability --------------------------------------------------------------- */

    /** Logs a message at `level` (`EDDY_LOG_*`), tagged with the task and processor. */
    void (*log)(eddy_context *ctx, eddy_log_level level, eddy_str message);

    /** Adds `delta` to the counter `name` (NUL-terminated) of this processor instance. */
    void (*counter_add)(eddy_context *ctx, const char *name, int64_t delta);

    /** Sets the gauge `name` (NUL-terminated) of this processor instance to `value`. */
    void (*gauge_set)(eddy_context *ctx, const char *name, double value);

    /**
     * Asks the host to commit as soon as possible after the current callback (like Kafka
     * Streams' `context.commit()`); the host may coalesce requests.
     */
    void (*request_commit)(eddy_context *ctx);

    /* --- appended in ABI 1.2 ------------------------------------------------------- */

    /**
     * During `eddy_node.apply`: one output for record `index` of the current call. The host
     * copies `key` and `value` before returning. Which of the two it uses depends on the
     * node's kind (see `EDDY_NODE_*`): both for MAP and FLAT_MAP, the value for MAP_VALUES,
     * FLAT_MAP_VALUES, REDUCE and AGGREGATE, the key for SELECT_KEY. Outputs inherit the
     * record's timestamp and headers.
     *
     * @param index 0-based, below the call's `count`, and never below the previous emit's.
     * @return `EDDY_OK`, or `EDDY_INVALID_ARGUMENT` (message set) for an index out of order
     *         or range, a second output where the kind allows one, or a call outside `apply`.
     */
    eddy_status (*emit)(eddy_context *ctx, size_t index, eddy_bytes key, eddy_bytes value);

    /* --- appended in ABI 1.3 ------------------------------------------------------- */

    /**
     * Writes the value of `key`'s session `[start, end]` (ms, both inclusive) in a session
     * store. The host copies key and value before returning. A session older than the
     * store's retention (its end before stream time - retention + 1) is dropped silently.
     * Called on the stream thread inside a callback of the instance, like every entry.
     *
     * @param key   borrowed for the call.
     * @param value borrowed for the call; must be present (`ptr != NULL`): use
     *              `session_remove` to delete a session.
     * @return `EDDY_OK`, or `EDDY_INVALID_ARGUMENT` (message set) for a store of another
     *         kind, an absent value, or times that are not `0 <= start <= end`.
     */
    eddy_status (*session_put)(eddy_context *ctx, eddy_store *store, eddy_bytes key,
                               int64_t start, int64_t end, eddy_bytes value);

    /**
     * Removes `key`'s session `[start, end]` from a session store; removing an absent
     * session is `EDDY_OK`.
     *
     * @param key borrowed for the call.
     * @return `EDDY_OK`, or `EDDY_INVALID_ARGUMENT` (message set) for a store of another
     *         kind or times that are not `0 <= start <= end`.
     */
    eddy_status (*session_remove)(eddy_context *ctx, eddy_store *store, eddy_bytes key,
                                  int64_t start, int64_t end);

    /**
     * Opens an iterator over `key`'s sessions that end at or after `earliest_end` and
     * start at or before `latest_start` (Kafka Streams' `findSessions`), ordered by start,
     * then end. Each entry's `window_start` and `window_end` are the session's start and
     * end, both inclusive. Release the iterator with `iterator_close` during the same
     * callback.
     *
     * @param key          borrowed for the call.
     * @param iterator_out receives the host-owned iterator.
     * @return `EDDY_OK`, or `EDDY_INVALID_ARGUMENT` (message set) for a store of another
     *         kind.
     */
    eddy_status (*session_fetch)(eddy_context *ctx, eddy_store *store, eddy_bytes key,
                                 int64_t earliest_end, int64_t latest_start,
                                 eddy_iterator **iterator_out);
} eddy_host_api;

/* ------------------------------------------------------------------------------------
 * The entry symbol
 * ---------------------------------------------------------------------------------- */

/**
 * The one symbol a plugin exports. Returns the plugin's static descriptor; may be called
 * more than once and from any thread, and must return the same pointer each time. Must
 * not call into the host (it has no host table). The host calls it once after `dlopen`.
 */
EDDY_EXPORT const eddy_plugin *eddy_plugin_v1(void);

/** Type of `eddy_plugin_v1`, for hosts that resolve it with `dlsym`. */
typedef const eddy_plugin *(*eddy_plugin_entry)(void);

#ifdef __cplusplus
}
#endif

#endif /* EDDY_EDDY_H */
