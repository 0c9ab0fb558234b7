/*
 * Writes the benchmark's input: payments keyed by user.
 *
 *   load BOOTSTRAP TOPIC FIRST COUNT [RATE]
 *
 * Record i (FIRST <= i < FIRST + COUNT) has a 16-byte key "user-NNNNNNNNNNN" (10,000
 * distinct users, each block of 10,000 records has every user once) and a ~100-byte JSON
 * value {"user":"u1234","amount":12.25,"ts":...,...}. Odd records have amounts above 10
 * (Enrich.is_large keeps them), even ones at most 9.75: exactly half are "large". Amounts are
 * multiples of 0.25, so amount_cents is exact. The record timestamp is the wall clock when
 * the record is produced (the start of its end-to-end latency).
 *
 * Without RATE it writes as fast as it can. With RATE it first writes record FIRST - 1
 * (or 0) with timestamp 1 and waits for it, so that the connection, the topic's metadata
 * and the idempotent producer id are set up before the first measured timestamp (a latency
 * observer ignores timestamp 1), then paces itself to RATE records/s.
 * Prints {"records":N,"large":K,"seconds":S,"librdkafka":"VERSION"} when every record is
 * acknowledged (VERSION: the librdkafka this process, and so the others the harness starts, loaded).
 */
#include "common.h"

#include <stdio.h>
#include <time.h>

#define USERS 10000

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg, void *opaque) {
    (void)rk;
    (void)opaque;
    if (msg->err) bench_die("delivery failed: %s", rd_kafka_err2str(msg->err));
}

/* Produces record i; timestamp 0 means now. */
static void produce(rd_kafka_t *producer, rd_kafka_topic_t *topic, long long i, int64_t timestamp) {
    int user = (int)((i * 7919) % USERS);
    double amount = (i & 1) ? 10.25 + (double)((i / 2) % 1000) / 4.0 : 0.5 + (double)((i / 2) % 38) / 4.0;
    int64_t now = timestamp ? timestamp : bench_now_ms();
    char key[17], value[160];
    snprintf(key, sizeof key, "user-%011d", user);
    int length = snprintf(
        value, sizeof value,
        "{\"user\":\"u%d\",\"amount\":%.2f,\"ts\":%lld,\"merchant\":\"m%05lld\",\"currency\":\"EUR\",\"country\":\"DE\"}",
        user, amount, (long long)now, i % 50000);
    for (;;) {
        rd_kafka_resp_err_t err = rd_kafka_producev(
            producer, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, 16),
            RD_KAFKA_V_VALUE(value, (size_t)length), RD_KAFKA_V_TIMESTAMP(now), RD_KAFKA_V_END);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) bench_die("produce failed: %s", rd_kafka_err2str(err));
        rd_kafka_poll(producer, 1);
    }
}

int main(int argc, char **argv) {
    bench_program = "load";
    if (argc < 5 || argc > 6) bench_die("usage: load BOOTSTRAP TOPIC FIRST COUNT [RATE]");
    long long first = bench_parse_count("FIRST", argv[3]);
    long long count = bench_parse_count("COUNT", argv[4]);
    long long rate = argc == 6 ? bench_parse_count("RATE", argv[5]) : 0;

    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    bench_set(conf, "bootstrap.servers", argv[1]);
    bench_set(conf, "enable.idempotence", "true");
    bench_set(conf, "linger.ms", rate ? "1" : "5");
    bench_set(conf, "batch.num.messages", "10000");
    bench_set(conf, "queue.buffering.max.messages", "1000000");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *producer = bench_client(RD_KAFKA_PRODUCER, conf);
    rd_kafka_topic_t *topic = rd_kafka_topic_new(producer, argv[2], NULL);

    if (rate) {
        produce(producer, topic, first > 0 ? first - 1 : 0, 1);
        if (rd_kafka_flush(producer, 60000)) bench_die("the warm-up record was not acknowledged within 60 s");
    }
    double start = bench_monotonic_s();
    long long sent = 0;
    while (sent < count) {
        long long due = count;
        if (rate) {
            due = (long long)((bench_monotonic_s() - start) * (double)rate);
            if (due > count) due = count;
        }
        for (; sent < due; sent++) produce(producer, topic, first + sent, 0);
        rd_kafka_poll(producer, 0);
        if (rate && sent < count) nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
    if (rd_kafka_flush(producer, 60000)) bench_die("not every record was acknowledged within 60 s");
    double seconds = bench_monotonic_s() - start;
    long long large = (first + count) / 2 - first / 2;
    printf("{\"records\":%lld,\"large\":%lld,\"seconds\":%.3f,\"librdkafka\":\"%s\"}\n", count, large, seconds,
           rd_kafka_version_str());
    rd_kafka_topic_destroy(topic);
    rd_kafka_destroy(producer);
    return 0;
}
