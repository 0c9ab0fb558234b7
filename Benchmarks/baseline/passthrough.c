/*
 * The baseline: the fastest consume -> produce passthrough librdkafka allows, the "limit"
 * Eddy's workloads are compared with. Each input record is written unchanged (key, value,
 * timestamp) to the same partition number of the output topic.
 *
 *   passthrough BOOTSTRAP INPUT OUTPUT GROUP alo|eos [COMMIT_MS]
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
#include <signal.h>
#include <stdio.h>
#include <string.h>

#define MAX_PARTITIONS 256
#define BATCH 2048

static volatile sig_atomic_t stopping = 0;
static void request_stop(int signal_number) { (void)signal_number; stopping = 1; }

/* Per input partition: the next offset to acknowledge (-1 if nothing new). */
static int64_t acknowledged[MAX_PARTITIONS];
static int64_t consumed[MAX_PARTITIONS];
static int partition_limit = 0;

/* Delivery reports carry the input position (partition, offset + 1) in the opaque. */
static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    (void)opaque;
    if (msg->err) bench_die("delivery failed: %s", rd_kafka_err2str(msg->err));
    uintptr_t position = (uintptr_t)msg->_private;
    int partition = (int)(position >> 48);
    int64_t next = (int64_t)(position & ((UINT64_C(1) << 48) - 1));
    if (next > acknowledged[partition]) acknowledged[partition] = next;
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
    rd_kafka_t *consumer = bench_client(RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(consumer);
    return consumer;
}

static rd_kafka_t *make_producer(const char *bootstrap, const char *group, int transactional) {
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
        snprintf(id, sizeof id, "%s-txn", group);
        bench_set(conf, "transactional.id", id);
    }
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    return bench_client(RD_KAFKA_PRODUCER, conf);
}

static void check_txn(rd_kafka_error_t *error, const char *what) {
    if (error) bench_die("%s failed: %s", what, rd_kafka_error_string(error));
}

/* The consumed positions not yet committed, as a partition list (NULL if none). */
static rd_kafka_topic_partition_list_t *positions(const char *topic, int64_t *next) {
    rd_kafka_topic_partition_list_t *list = NULL;
    for (int p = 0; p < partition_limit; p++) {
        if (next[p] < 0) continue;
        if (!list) list = rd_kafka_topic_partition_list_new(partition_limit);
        rd_kafka_topic_partition_list_add(list, topic, p)->offset = next[p];
        next[p] = -1;
    }
    return list;
}

static void commit_transaction(rd_kafka_t *producer, rd_kafka_t *consumer, const char *input) {
    rd_kafka_topic_partition_list_t *offsets = positions(input, consumed);
    if (offsets) {
        rd_kafka_consumer_group_metadata_t *group = rd_kafka_consumer_group_metadata(consumer);
        check_txn(rd_kafka_send_offsets_to_transaction(producer, offsets, group, -1), "send_offsets_to_transaction");
        rd_kafka_consumer_group_metadata_destroy(group);
        rd_kafka_topic_partition_list_destroy(offsets);
    }
    check_txn(rd_kafka_commit_transaction(producer, -1), "commit_transaction");
}

static void store_acknowledged(rd_kafka_t *consumer, const char *input) {
    rd_kafka_topic_partition_list_t *offsets = positions(input, acknowledged);
    if (!offsets) return;
    rd_kafka_resp_err_t err = rd_kafka_offsets_store(consumer, offsets);
    if (err) bench_die("offsets_store failed: %s", rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(offsets);
}

int main(int argc, char **argv) {
    bench_program = "passthrough";
    if (argc < 6 || argc > 7 || (strcmp(argv[5], "alo") && strcmp(argv[5], "eos")))
        bench_die("usage: passthrough BOOTSTRAP INPUT OUTPUT GROUP alo|eos [COMMIT_MS]");
    const char *bootstrap = argv[1], *input = argv[2], *output = argv[3], *group = argv[4];
    int transactional = strcmp(argv[5], "eos") == 0;
    const char *commit_ms = argc == 7 ? argv[6] : "100";
    double commit_interval = (double)bench_parse_count("COMMIT_MS", commit_ms) / 1000.0;
    for (int p = 0; p < MAX_PARTITIONS; p++) acknowledged[p] = consumed[p] = -1;

    /* The allocator setting `eddy run` applies (Sources/eddy/MallocTuning.swift): glibc keeps
     * 64 MiB of free memory per arena instead of unmapping and re-faulting the fetcher's
     * record memory. The baseline gains from it too, so both sides run with it. */
    mallopt(M_TOP_PAD, 64 << 20);
    signal(SIGINT, request_stop);
    signal(SIGTERM, request_stop);
    rd_kafka_t *consumer = make_consumer(bootstrap, group, transactional, commit_ms);
    rd_kafka_t *producer = make_producer(bootstrap, group, transactional);
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
    rd_kafka_message_t *batch[BATCH];
    double transaction_start = bench_monotonic_s();
    long long in_transaction = 0;
    while (!stopping) {
        ssize_t count = rd_kafka_consume_batch_queue(queue, 5, batch, BATCH);
        if (count < 0) bench_die("consume failed: %s", rd_kafka_err2str(rd_kafka_last_error()));
        for (ssize_t i = 0; i < count; i++) {
            rd_kafka_message_t *msg = batch[i];
            if (msg->err) {
                fprintf(stderr, "passthrough: consumer: %s\n", rd_kafka_message_errstr(msg));
                rd_kafka_message_destroy(msg);
                continue;
            }
            if (msg->partition >= MAX_PARTITIONS) bench_die("partition %d is above %d", (int)msg->partition, MAX_PARTITIONS);
            if (msg->partition >= partition_limit) partition_limit = msg->partition + 1;
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
            consumed[msg->partition] = msg->offset + 1;
            in_transaction++;
            rd_kafka_message_destroy(msg);
        }
        rd_kafka_poll(producer, 0);
        if (transactional) {
            if (in_transaction > 0 && bench_monotonic_s() - transaction_start >= commit_interval) {
                commit_transaction(producer, consumer, input);
                check_txn(rd_kafka_begin_transaction(producer), "begin_transaction");
                transaction_start = bench_monotonic_s();
                in_transaction = 0;
            }
        } else {
            store_acknowledged(consumer, input);
        }
    }

    if (transactional) {
        commit_transaction(producer, consumer, input);
    } else {
        rd_kafka_flush(producer, 30000);
        store_acknowledged(consumer, input);
        rd_kafka_commit(consumer, NULL, 0);
    }
    rd_kafka_queue_destroy(queue);
    rd_kafka_consumer_close(consumer);
    rd_kafka_topic_destroy(out);
    rd_kafka_destroy(producer);
    rd_kafka_destroy(consumer);
    return 0;
}
