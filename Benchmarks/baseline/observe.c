/*
 * Measures end-to-end latency: reads an output topic read_committed, from the beginning of
 * every partition, and for each record whose timestamp is at or after SINCE_MS takes
 * (wall clock when the record became readable) - (record timestamp). Outputs keep their
 * input record's timestamp, which the loader set when it produced the input, so this is
 * the time from producing the input to the output being visible to a read_committed reader.
 *
 *   observe BOOTSTRAP TOPIC PARTITIONS SINCE_MS EXPECTED TIMEOUT_S
 *
 * Prints "ready" once it has read its first record (the topic must hold one, e.g. from a
 * warm-up, so that the caller starts producing only when the observer is fetching and its
 * own start-up does not count as latency), stops after EXPECTED records at or after
 * SINCE_MS (or TIMEOUT_S seconds) and prints
 * {"records":N,"p50_ms":..,"p99_ms":..,"max_ms":..}.
 */
#include "common.h"

#include <stdio.h>
#include <stdlib.h>

static int compare(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int64_t percentile(const int64_t *sorted, long long n, double q) {
    if (n == 0) return -1;
    long long index = (long long)(q * (double)(n - 1) + 0.5);
    return sorted[index];
}

int main(int argc, char **argv) {
    bench_program = "observe";
    if (argc != 7) bench_die("usage: observe BOOTSTRAP TOPIC PARTITIONS SINCE_MS EXPECTED TIMEOUT_S");
    const char *topic = argv[2];
    int partitions = (int)bench_parse_count("PARTITIONS", argv[3]);
    int64_t since = bench_parse_count("SINCE_MS", argv[4]);
    long long expected = bench_parse_count("EXPECTED", argv[5]);
    double timeout = (double)bench_parse_count("TIMEOUT_S", argv[6]);

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    bench_set(conf, "bootstrap.servers", argv[1]);
    bench_set(conf, "group.id", "eddy-bench-observer");
    bench_set(conf, "enable.auto.commit", "false");
    bench_set(conf, "isolation.level", "read_committed");
    bench_set(conf, "fetch.wait.max.ms", "2");
    rd_kafka_t *consumer = bench_client(RD_KAFKA_CONSUMER, conf);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t *assignment = rd_kafka_topic_partition_list_new(partitions);
    for (int p = 0; p < partitions; p++)
        rd_kafka_topic_partition_list_add(assignment, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_resp_err_t err = rd_kafka_assign(consumer, assignment);
    if (err) bench_die("assign %s failed: %s", topic, rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(assignment);

    int64_t *latencies = malloc(sizeof(int64_t) * (size_t)(expected ? expected : 1));
    if (!latencies) bench_die("out of memory for %lld latencies", expected);
    long long seen = 0;
    int ready = 0;
    double deadline = bench_monotonic_s() + timeout;
    while (seen < expected && bench_monotonic_s() < deadline) {
        rd_kafka_message_t *msg = rd_kafka_consumer_poll(consumer, 100);
        if (!msg) continue;
        int64_t now = bench_now_ms();
        if (!msg->err) {
            int64_t timestamp = rd_kafka_message_timestamp(msg, NULL);
            if (timestamp >= since) latencies[seen++] = now - timestamp;
            if (!ready) {
                printf("ready\n");
                fflush(stdout);
                ready = 1;
            }
        }
        rd_kafka_message_destroy(msg);
    }
    qsort(latencies, (size_t)seen, sizeof(int64_t), compare);
    printf("{\"records\":%lld,\"p50_ms\":%lld,\"p99_ms\":%lld,\"max_ms\":%lld}\n", seen,
           (long long)percentile(latencies, seen, 0.50), (long long)percentile(latencies, seen, 0.99),
           (long long)(seen ? latencies[seen - 1] : -1));
    free(latencies);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return seen < expected ? 2 : 0;
}
