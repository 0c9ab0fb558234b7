/*
 * The baseline: the fastest consume -> produce passthrough librdkafka allows, the "limit"
 * Eddy's workloads are compared with. Each input record is written unchanged (key, value,
 * timestamp) to the same partition number of the output topic.
 *
 *   passthrough BOOTSTRAP INPUT OUTPUT GROUP alo|eos [COMMIT_MS [LOOPS [consumer:K=V|producer:K=V|wake:MS ...]]]
 *
 * LOOPS (default 1) runs that many loops on their own threads, each with its own consumer
 * (a member of GROUP) and producer: the same scale-out as Eddy's `num.stream.threads`.
 * Each `consumer:K=V` / `producer:K=V` sets one more librdkafka property on every consumer
 * or producer, over the tuning below (the harness's --consumer / --producer, which Eddy's
 * app file gets too). `wake:MS` gives each loop a fetcher waker (below) ticking every MS ms.
 *
 * The fetcher waker: librdkafka 2.0.2 stops fetching a partition whose pre-fetch queue is at
 * its cap (`queued.min.messages`, `queued.max.messages.kbytes`) and re-decides only when its
 * broker thread wakes (I/O, an op, or its 1 s idle timeout), so a capped queue the loop drains
 * refills up to a second late. A side thread that, every MS ms in which the loop consumed
 * something, asks the assigned partitions' leaders for their offsets
 * (`rd_kafka_offsets_for_times`: one ListOffsets request per leader, whose enqueue wakes
 * that leader's broker thread) bounds the delay to MS ms; the round trip blocks the side
 * thread only.
 *
 * alo: at-least-once. An input offset is stored only once the output record it produced is
 *      acknowledged (delivery report), and stored offsets are committed every COMMIT_MS by
 *      librdkafka's auto-commit, so nothing is acknowledged before its output is written.
 * eos: transactional. Records are consumed and produced inside a transaction; every
 *      COMMIT_MS the consumed positions are added with send_offsets_to_transaction and the
 *      transaction is committed (Kafka's exactly-once consume-transform-produce loop).
 *
 * Runs until SIGINT/SIGTERM, then commits what it processed and exits.
 */
#include "common.h"

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_PARTITIONS 256
#define BATCH 2048

/* Set by the signal handler, read by every loop's thread (a lock-free atomic, so both are safe). */
static atomic_int stopping = 0;
static void request_stop(int signal_number) { (void)signal_number; atomic_store(&stopping, 1); }

/* One consume -> produce loop and its clients. Per input partition: the next offset to
 * acknowledge (alo) or to commit in the transaction (eos), -1 if nothing new. */
struct loop {
    int index;
    const char *bootstrap, *input, *output, *group, *commit_ms;
    int transactional;
    double commit_interval;
    int64_t acknowledged[MAX_PARTITIONS];
    int64_t consumed[MAX_PARTITIONS];
    int partition_limit;
    /* Records consumed so far (read by the waker), the waker's period (0: none), its wakes. */
    atomic_llong consumed_total;
    int wake_ms;
    long long wakes;
};

/* The consumer:K=V / producer:K=V arguments. */
static char **extra_properties;
static int extra_property_count;

/* Sets the extra properties given for clients of `scope` ("consumer:" or "producer:"). */
static void set_extra(rd_kafka_conf_t *conf, const char *scope) {
    size_t prefix = strlen(scope);
    for (int i = 0; i < extra_property_count; i++) {
        const char *property = extra_properties[i];
        if (strncmp(property, scope, prefix)) continue;
        char name[256];
        const char *equals = strchr(property, '=');
        size_t length = (size_t)(equals - property) - prefix;
        if (length >= sizeof name) bench_die("property name too long: %s", property);
        memcpy(name, property + prefix, length);
        name[length] = 0;
        bench_set(conf, name, equals + 1);
    }
}

/* Delivery reports carry the input position (partition, offset + 1) in the opaque. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    struct loop *loop = opaque;
    if (msg->err) bench_die("delivery failed: %s", rd_kafka_err2str(msg->err));
    uintptr_t position = (uintptr_t)msg->_private;
    int partition = (int)(position >> 48);
    int64_t next = (int64_t)(position & ((UINT64_C(1) << 48) - 1));
    if (next > loop->acknowledged[partition]) loop->acknowledged[partition] = next;
}

static rd_kafka_t *make_consumer(const char *bootstrap, const char *group, int transactional, const char *commit_ms) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    bench_set(conf, "bootstrap.servers", bootstrap);
    bench_set(conf, "group.id", group);
    bench_set(conf, "auto.offset.reset", "earliest");
    bench_set(conf, "enable.partition.eof", "false");
    bench_set(conf, "queued.min.messages", "1000000");
    bench_set(conf, "fetch.wait.max.ms", "10");
    bench_set(conf, "fetch.max.bytes", "52428800");
    bench_set(conf, "max.partition.fetch.bytes", "4194304");
    bench_set(conf, "enable.auto.offset.store", "false");
    if (transactional) {
        bench_set(conf, "enable.auto.commit", "false");
        bench_set(conf, "isolation.level", "read_committed");
    } else {
        bench_set(conf, "enable.auto.commit", "true");
        bench_set(conf, "auto.commit.interval.ms", commit_ms);
    }
    set_extra(conf, "consumer:");
    rd_kafka_t *consumer = bench_client(RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(consumer);
    return consumer;
}

static rd_kafka_t *make_producer(struct loop *loop) {
    const char *bootstrap = loop->bootstrap, *group = loop->group;
    int transactional = loop->transactional;
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    bench_set(conf, "bootstrap.servers", bootstrap);
    bench_set(conf, "enable.idempotence", "true");
    bench_set(conf, "acks", "all");
    bench_set(conf, "linger.ms", "5");
    bench_set(conf, "batch.num.messages", "10000");
    bench_set(conf, "batch.size", "1048576");
    bench_set(conf, "queue.buffering.max.messages", "1000000");
    bench_set(conf, "queue.buffering.max.kbytes", "1048576");
    if (transactional) {
        char id[512];
        snprintf(id, sizeof id, "%s-txn-%d", group, loop->index);
        bench_set(conf, "transactional.id", id);
    }
    set_extra(conf, "producer:");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_opaque(conf, loop);
    return bench_client(RD_KAFKA_PRODUCER, conf);
}

static void check_txn(rd_kafka_error_t *error, const char *what) {
    if (error) bench_die("%s failed: %s", what, rd_kafka_error_string(error));
}

/* The consumed positions not yet committed, as a partition list (NULL if none). */
static rd_kafka_topic_partition_list_t *positions(const char *topic, int64_t *next, int partition_limit) {
    rd_kafka_topic_partition_list_t *list = NULL;
    for (int p = 0; p < partition_limit; p++) {
        if (next[p] < 0) continue;
        if (!list) list = rd_kafka_topic_partition_list_new(partition_limit);
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = next[p];
        next[p] = -1;
    }
    return list;
}

static void commit_transaction(struct loop *loop, rd_kafka_t *producer, rd_kafka_t *consumer) {
    rd_kafka_topic_partition_list_t *offsets = positions(loop->input, loop->consumed, loop->partition_limit);
    if (offsets) {
        rd_kafka_consumer_group_metadata_t *group = rd_kafka_consumer_group_metadata(consumer);
        check_txn(rd_kafka_send_offsets_to_transaction(producer, offsets, group, -1), "send_offsets_to_transaction");
        rd_kafka_consumer_group_metadata_destroy(group);
        rd_kafka_topic_partition_list_destroy(offsets);
    }
    check_txn(rd_kafka_commit_transaction(producer, -1), "commit_transaction");
}

static void store_acknowledged(struct loop *loop, rd_kafka_t *consumer) {
    rd_kafka_topic_partition_list_t *offsets = positions(loop->input, loop->acknowledged, loop->partition_limit);
    if (!offsets) return;
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(consumer, offsets);
    if (err) bench_die("offsets_store failed: %s", rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(offsets);
}

/* The fetcher waker of one loop (see the top of the file). */
struct waker {
    struct loop *loop;
    rd_kafka_t *consumer;
    pthread_t thread;
};

static void *run_waker(void *argument) {
    struct waker *waker = argument;
    struct loop *loop = waker->loop;
    long long seen = 0;
    struct timespec period = {.tv_sec = 0, .tv_nsec = (long)loop->wake_ms * 1000000L};
    while (!atomic_load(&stopping)) {
        nanosleep(&period, NULL);
        long long consumed = atomic_load_explicit(&loop->consumed_total, memory_order_relaxed);
        if (consumed == seen) continue;
        seen = consumed;
        rd_kafka_topic_partition_list_t *assigned = NULL;
        if (rd_kafka_assignment(waker->consumer, &assigned) == RD_KAFKA_RESP_ERR_NO_ERROR && assigned->cnt > 0) {
            for (int i = 0; i < assigned->cnt; i++) assigned->elems[i].offset = -1;
            rd_kafka_offsets_for_times(waker->consumer, assigned, 1000);
            loop->wakes++;
        }
        if (assigned) rd_kafka_topic_partition_list_destroy(assigned);
    }
    return NULL;
}

static void *run_loop(void *argument) {
    struct loop *loop = argument;
    const char *input = loop->input, *output = loop->output;
    int transactional = loop->transactional;
    rd_kafka_t *consumer = make_consumer(loop->bootstrap, loop->group, transactional, loop->commit_ms);
    rd_kafka_t *producer = make_producer(loop);
    rd_kafka_topic_t *out = rd_kafka_topic_new(producer, output, NULL);

    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, input, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t err = rd_kafka_subscribe(consumer, topics);
    if (err) bench_die("subscribe to %s failed: %s", input, rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(topics);
    if (transactional) {
        check_txn(rd_kafka_init_transactions(producer, 30000), "init_transactions");
        check_txn(rd_kafka_begin_transaction(producer), "begin_transaction");
    }

    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(consumer);
    struct waker waker = {.loop = loop, .consumer = consumer};
    if (loop->wake_ms > 0 && pthread_create(&waker.thread, NULL, run_waker, &waker)) bench_die("cannot start the waker");
    rd_kafka_message_t *batch[BATCH];
    double transaction_start = bench_monotonic_s();
    long long in_transaction = 0;
    while (!atomic_load(&stopping)) {
        ssize_t count = rd_kafka_consume_batch_queue(queue, 5, batch, BATCH);
        if (count < 0) bench_die("consume failed: %s", rd_kafka_err2str(rd_kafka_last_error()));
        if (count > 0) atomic_fetch_add_explicit(&loop->consumed_total, count, memory_order_relaxed);
        for (ssize_t i = 0; i < count; i++) {
            rd_kafka_message_t *msg = batch[i];
            if (msg->err) {
                fprintf(stderr, "passthrough: consumer: %s\n", rd_kafka_message_errstr(msg));
                rd_kafka_message_destroy(msg);
                continue;
            }
            if (msg->partition >= MAX_PARTITIONS) bench_die("partition %d is above %d", (int)msg->partition, MAX_PARTITIONS);
            if (msg->partition >= loop->partition_limit) loop->partition_limit = msg->partition + 1;
            rd_kafka_timestamp_type_t type;
            int64_t timestamp = rd_kafka_message_timestamp(msg, &type);
            uintptr_t position = ((uintptr_t)msg->partition << 48) | (uintptr_t)(msg->offset + 1);
            for (;;) {
                err = rd_kafka_producev(
                    producer, RD_KAFKA_V_RKT(out), RD_KAFKA_V_PARTITION(msg->partition),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(msg->key, msg->key_len),
                    RD_KAFKA_V_VALUE(msg->payload, msg->len), RD_KAFKA_V_TIMESTAMP(timestamp > 0 ? timestamp : 0),
                    RD_KAFKA_V_OPAQUE((void *)position), RD_KAFKA_V_END);
                if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) break;
                rd_kafka_poll(producer, 1);
            }
            if (err) bench_die("produce to %s failed: %s", output, rd_kafka_err2str(err));
            loop->consumed[msg->partition] = msg->offset + 1;
            in_transaction++;
            rd_kafka_message_destroy(msg);
        }
        rd_kafka_poll(producer, 0);
        if (transactional) {
            if (in_transaction > 0 && bench_monotonic_s() - transaction_start >= loop->commit_interval) {
                commit_transaction(loop, producer, consumer);
                check_txn(rd_kafka_begin_transaction(producer), "begin_transaction");
                transaction_start = bench_monotonic_s();
                in_transaction = 0;
            }
        } else {
            store_acknowledged(loop, consumer);
        }
    }

    if (loop->wake_ms > 0) {
        pthread_join(waker.thread, NULL);
        fprintf(stderr, "passthrough: loop %d: %lld fetcher wakes\n", loop->index, loop->wakes);
    }
    if (transactional) {
        commit_transaction(loop, producer, consumer);
    } else {
        rd_kafka_flush(producer, 30000);
        store_acknowledged(loop, consumer);
        rd_kafka_commit(consumer, NULL, 0);
    }
    rd_kafka_queue_destroy(queue);
    rd_kafka_consumer_close(consumer);
    rd_kafka_topic_destroy(out);
    rd_kafka_destroy(producer);
    rd_kafka_destroy(consumer);
    return NULL;
}

int main(int argc, char **argv) {
    bench_program = "passthrough";
    if (argc < 6 || (strcmp(argv[5], "alo") && strcmp(argv[5], "eos")))
        bench_die("usage: passthrough BOOTSTRAP INPUT OUTPUT GROUP alo|eos [COMMIT_MS [LOOPS [consumer:K=V|producer:K=V|wake:MS ...]]]");
    const char *commit_ms = argc >= 7 ? argv[6] : "100";
    long long loop_count = argc >= 8 ? bench_parse_count("LOOPS", argv[7]) : 1;
    if (loop_count < 1 || loop_count > 64) bench_die("LOOPS must be 1 to 64, not %lld", loop_count);
    extra_properties = argv + 8;
    extra_property_count = argc > 8 ? argc - 8 : 0;
    int wake_ms = 0;
    for (int i = 0; i < extra_property_count; i++) {
        const char *property = extra_properties[i];
        if (!strncmp(property, "wake:", 5)) {
            wake_ms = (int)bench_parse_count("wake:MS", property + 5);
            if (wake_ms < 1 || wake_ms > 1000) bench_die("wake:MS must be 1 to 1000, not %d", wake_ms);
            continue;
        }
        if ((strncmp(property, "consumer:", 9) && strncmp(property, "producer:", 9)) || !strchr(property, '='))
            bench_die("'%s' is not consumer:K=V, producer:K=V or wake:MS", property);
    }

    /* The allocator setting `eddy run` applies (Sources/eddy/MallocTuning.swift): glibc keeps
     * 64 MiB of free memory per arena instead of unmapping and re-faulting the fetcher's
     * record memory. The baseline gains from it too, so both sides run with it. */
    mallopt(M_TOP_PAD, 64 << 20);
    signal(SIGINT, request_stop);
    signal(SIGTERM, request_stop);

    struct loop *loops = calloc((size_t)loop_count, sizeof *loops);
    pthread_t *threads = calloc((size_t)loop_count, sizeof *threads);
    if (!loops || !threads) bench_die("out of memory");
    for (int l = 0; l < loop_count; l++) {
        struct loop *loop = &loops[l];
        *loop = (struct loop){
            .index = l, .bootstrap = argv[1], .input = argv[2], .output = argv[3], .group = argv[4],
            .commit_ms = commit_ms, .transactional = strcmp(argv[5], "eos") == 0,
            .commit_interval = (double)bench_parse_count("COMMIT_MS", commit_ms) / 1000.0, .wake_ms = wake_ms};
        for (int p = 0; p < MAX_PARTITIONS; p++) loop->acknowledged[p] = loop->consumed[p] = -1;
        if (pthread_create(&threads[l], NULL, run_loop, loop)) bench_die("cannot start loop %d", l);
    }
    for (int l = 0; l < loop_count; l++) pthread_join(threads[l], NULL);
    free(threads);
    free(loops);
    return 0;
}
