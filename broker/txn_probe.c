/*
 * eddy-txn-probe: a transactional producer that begins a transaction,
 * produces records, and then waits to be killed without ending it.
 *
 * The broker tests use it to prove that eddy-broker aborts a transaction
 * whose producer vanished once its transaction.timeout.ms has passed.
 *
 * usage: eddy-txn-probe BOOTSTRAP TOPIC PARTITION TRANSACTIONAL_ID COUNT
 *                       TRANSACTION_TIMEOUT_MS
 *
 * Produces COUNT records with values "probe-0".."probe-<COUNT-1>", waits
 * until the broker has acknowledged them, prints `produced COUNT` on stdout,
 * and then sleeps until it is killed.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rdkafka.h"

static void fail(const char *what, const char *why) {
        fprintf(stderr, "eddy-txn-probe: %s: %s\n", what, why);
        exit(1);
}

static void check(const char *what, rd_kafka_error_t *error) {
        if (error)
                fail(what, rd_kafka_error_string(error));
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
        char errstr[512];
        if (rd_kafka_conf_set(conf, key, value, errstr, sizeof(errstr)))
                fail(key, errstr);
}

int main(int argc, char **argv) {
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *producer;
        int partition, count, i;

        if (argc != 7) {
                fprintf(stderr,
                        "usage: eddy-txn-probe BOOTSTRAP TOPIC PARTITION "
                        "TRANSACTIONAL_ID COUNT TRANSACTION_TIMEOUT_MS\n");
                return 2;
        }
        partition = atoi(argv[3]);
        count     = atoi(argv[5]);

        conf = rd_kafka_conf_new();
        set(conf, "bootstrap.servers", argv[1]);
        set(conf, "transactional.id", argv[4]);
        set(conf, "transaction.timeout.ms", argv[6]);
        set(conf, "linger.ms", "0");

        producer =
            rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!producer)
                fail("creating the producer", errstr);

        check("init_transactions", rd_kafka_init_transactions(producer, 30000));
        check("begin_transaction", rd_kafka_begin_transaction(producer));

        for (i = 0; i < count; i++) {
                char value[32];
                int len = snprintf(value, sizeof(value), "probe-%d", i);
                rd_kafka_resp_err_t err = rd_kafka_producev(
                    producer, RD_KAFKA_V_TOPIC(argv[2]),
                    RD_KAFKA_V_PARTITION(partition),
                    RD_KAFKA_V_VALUE(value, (size_t)len),
                    RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
                if (err)
                        fail("produce", rd_kafka_err2str(err));
        }
        if (rd_kafka_flush(producer, 30000))
                fail("flush", "records not acknowledged within 30 s");

        printf("produced %d\n", count);
        fflush(stdout);

        for (;;)
                pause();
}
