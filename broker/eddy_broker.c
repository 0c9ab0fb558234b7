/*
 * eddy-broker: a development and test Kafka broker.
 *
 * librdkafka's mock cluster (built from Debian's librdkafka source with
 * Eddy's patch, see broker/patches/) served from its own process: it prints
 * the bootstrap servers on one line of stdout, then reads control commands,
 * one per line, from stdin and answers each with one line on stdout.
 *
 * It serves until SIGINT or SIGTERM, the `quit` command, or the end of
 * stdin (so a broker started by a test dies with the test); `--no-stdin`
 * ignores stdin and serves until a signal.
 *
 * Memory-only, single process: production points at a real Kafka cluster.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rdkafka.h"
#include "rdkafka_mock.h"

static const char usage[] =
    "usage: eddy-broker [--brokers N] [--port P] "
    "[--group-initial-rebalance-delay-ms MS] [--no-stdin] [--debug]\n"
    "\n"
    "  --brokers N   number of brokers (default 1)\n"
    "  --port P      bind broker i (1..N) to 127.0.0.1:P+i-1 "
    "(default: ephemeral ports)\n"
    "  --group-initial-rebalance-delay-ms MS\n"
    "                delay of a new group's first join round (default 0)\n"
    "  --no-stdin    ignore stdin: serve until SIGINT/SIGTERM\n"
    "  --debug       log the mock cluster's protocol traffic to stderr\n"
    "\n"
    "Control commands (stdin, one per line; each answered by one line,\n"
    "`ok [VALUE]` or `error: REASON`):\n"
    "  broker-down ID | broker-up ID\n"
    "  request-errors API ERROR [COUNT]   next COUNT (default 1) requests of\n"
    "                                     API fail with ERROR (names or "
    "numbers)\n"
    "  committed GROUP TOPIC PARTITION    the group's committed offset (-1: "
    "none)\n"
    "  end-offset TOPIC PARTITION         the partition's end offset (the "
    "next record's)\n"
    "  ping | quit\n";

/** Write end of the pipe the signal handler wakes the main loop with. */
static int signal_pipe_write = -1;

static void on_signal(int sig) {
        char c = (char)sig;
        int saved = errno;
        if (write(signal_pipe_write, &c, 1) < 0) {
                /* Nothing to do: the pipe is full, a wake-up is pending. */
        }
        errno = saved;
}

static void reply(const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(stdout, fmt, ap);
        va_end(ap);
        fputc('\n', stdout);
        fflush(stdout);
}

/** Answers an offset query: `ok OFFSET`, or the error for TOPIC [PARTITION]. */
static void reply_offset(rd_kafka_resp_err_t err,
                         const char *topic,
                         long partition,
                         int64_t offset) {
        if (err)
                reply("error: %s [%ld]: %s", topic, partition,
                      rd_kafka_err2str(err));
        else
                reply("ok %lld", (long long)offset);
}

/** Parses a non-negative decimal int, returns -1 when \p s is not one. */
static long parse_count(const char *s) {
        char *end;
        long v;
        if (!s || !*s)
                return -1;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < 0 || v > INT_MAX)
                return -1;
        return v;
}

/** Protocol API names accepted by `request-errors` (Kafka's ApiKeys). */
static const struct {
        const char *name;
        int16_t key;
} api_names[] = {
    {"Produce", 0},          {"Fetch", 1},
    {"ListOffsets", 2},      {"Metadata", 3},
    {"OffsetCommit", 8},     {"OffsetFetch", 9},
    {"FindCoordinator", 10}, {"JoinGroup", 11},
    {"Heartbeat", 12},       {"LeaveGroup", 13},
    {"SyncGroup", 14},       {"ApiVersion", 18},
    {"CreateTopics", 19},    {"DeleteTopics", 20},
    {"InitProducerId", 22},  {"AddPartitionsToTxn", 24},
    {"AddOffsetsToTxn", 25}, {"EndTxn", 26},
    {"TxnOffsetCommit", 28}, {"DescribeConfigs", 32},
};

static int parse_api(const char *s) {
        size_t i;
        long v = parse_count(s);
        if (v >= 0)
                return v <= INT16_MAX ? (int)v : -1;
        for (i = 0; i < sizeof(api_names) / sizeof(api_names[0]); i++)
                if (!strcasecmp(s, api_names[i].name))
                        return api_names[i].key;
        return -1;
}

/** Accepts an error code number, or a name as rd_kafka_err2name() gives it
 *  (e.g. NOT_COORDINATOR), with or without the RD_KAFKA_RESP_ERR_ prefix. */
static int parse_error(const char *s, rd_kafka_resp_err_t *errp) {
        const struct rd_kafka_err_desc *descs;
        size_t cnt, i;
        char *end;
        long v;

        errno = 0;
        v     = strtol(s, &end, 10);
        if (!errno && *s && !*end) {
                *errp = (rd_kafka_resp_err_t)v;
                return 0;
        }

        if (!strncmp(s, "RD_KAFKA_RESP_ERR_", 18))
                s += 18;
        rd_kafka_get_err_descs(&descs, &cnt);
        for (i = 0; i < cnt; i++) {
                if (descs[i].name && !strcasecmp(descs[i].name, s)) {
                        *errp = descs[i].code;
                        return 0;
                }
        }
        return -1;
}

/** Runs one control command; returns 0 to continue, 1 to quit. */
static int control(rd_kafka_mock_cluster_t *mcluster, int broker_cnt,
                   char *line) {
        char *argv[5] = {0};
        int argc      = 0;
        char *save    = NULL;
        char *tok;
        rd_kafka_resp_err_t err;

        for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 5;
             tok = strtok_r(NULL, " \t\r\n", &save))
                argv[argc++] = tok;

        if (argc == 0)
                return 0;

        if (!strcmp(argv[0], "ping")) {
                reply("ok");

        } else if (!strcmp(argv[0], "quit")) {
                reply("ok");
                return 1;

        } else if (!strcmp(argv[0], "broker-down") ||
                   !strcmp(argv[0], "broker-up")) {
                long id = parse_count(argv[1]);
                if (argc != 2 || id < 1 || id > broker_cnt) {
                        reply("error: usage: %s ID (a broker id from 1 to %d)",
                              argv[0], broker_cnt);
                        return 0;
                }
                err = !strcmp(argv[0], "broker-down")
                          ? rd_kafka_mock_broker_set_down(mcluster, (int)id)
                          : rd_kafka_mock_broker_set_up(mcluster, (int)id);
                if (err)
                        reply("error: %s", rd_kafka_err2str(err));
                else
                        reply("ok");

        } else if (!strcmp(argv[0], "request-errors")) {
                int api = argc >= 3 ? parse_api(argv[1]) : -1;
                long cnt = argc == 4 ? parse_count(argv[3]) : 1;
                rd_kafka_resp_err_t perr;
                rd_kafka_resp_err_t *errs;
                long i;

                if (argc < 3 || argc > 4 || api < 0 || cnt < 1) {
                        reply("error: usage: request-errors API ERROR [COUNT] "
                              "(API: a name such as Produce or a number; "
                              "COUNT >= 1)");
                        return 0;
                }
                if (parse_error(argv[2], &perr)) {
                        reply("error: unknown error '%s': use a Kafka error "
                              "name such as NOT_COORDINATOR or its number",
                              argv[2]);
                        return 0;
                }
                errs = malloc(sizeof(*errs) * (size_t)cnt);
                for (i = 0; i < cnt; i++)
                        errs[i] = perr;
                rd_kafka_mock_push_request_errors_array(
                    mcluster, (int16_t)api, (size_t)cnt, errs);
                free(errs);
                reply("ok");

        } else if (!strcmp(argv[0], "committed")) {
                long partition = argc == 4 ? parse_count(argv[3]) : -1;
                int64_t offset;
                if (partition < 0) {
                        reply("error: usage: committed GROUP TOPIC PARTITION");
                        return 0;
                }
                err = rd_kafka_mock_committed_offset_get(
                    mcluster, argv[1], argv[2], (int32_t)partition, &offset);
                reply_offset(err, argv[2], partition, offset);

        } else if (!strcmp(argv[0], "end-offset")) {
                long partition = argc == 3 ? parse_count(argv[2]) : -1;
                int64_t offset;
                if (partition < 0) {
                        reply("error: usage: end-offset TOPIC PARTITION");
                        return 0;
                }
                err = rd_kafka_mock_partition_end_offset_get(
                    mcluster, argv[1], (int32_t)partition, &offset);
                reply_offset(err, argv[1], partition, offset);

        } else {
                reply("error: unknown command '%s' (broker-down, broker-up, "
                      "request-errors, committed, end-offset, ping, quit)",
                      argv[0]);
        }
        return 0;
}

/**
 * Checks that 127.0.0.1:port .. port+cnt-1 can be bound, and says which one
 * cannot: the mock cluster aborts the process when a bind fails.
 */
static int check_ports_free(int port, int cnt) {
        int i;
        for (i = 0; i < cnt; i++) {
                struct sockaddr_in sin;
                int on = 1;
                int s  = socket(AF_INET, SOCK_STREAM, 0);
                if (s == -1) {
                        perror("eddy-broker: socket");
                        return -1;
                }
                memset(&sin, 0, sizeof(sin));
                sin.sin_family      = AF_INET;
                sin.sin_port        = htons((uint16_t)(port + i));
                sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
                setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
                if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
                        fprintf(stderr,
                                "eddy-broker: cannot listen on 127.0.0.1:%d "
                                "(broker %d): %s; choose another --port\n",
                                port + i, i + 1, strerror(errno));
                        close(s);
                        return -1;
                }
                close(s);
        }
        return 0;
}

int main(int argc, char **argv) {
        long broker_cnt = 1, port = 0, rebalance_delay_ms = 0;
        int use_stdin = 1, debug = 0;
        int sigpipe[2];
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mcluster;
        char line[4096];
        size_t line_len = 0;
        int i, done = 0;

        for (i = 1; i < argc; i++) {
                const char *opt = argv[i];
                long *dst       = NULL;
                long max        = 0;

                if (!strcmp(opt, "--brokers")) {
                        dst = &broker_cnt;
                        max = 64;
                } else if (!strcmp(opt, "--port")) {
                        dst = &port;
                        max = 65535;
                } else if (!strcmp(opt, "--group-initial-rebalance-delay-ms")) {
                        dst = &rebalance_delay_ms;
                        max = INT_MAX;
                } else if (!strcmp(opt, "--no-stdin")) {
                        use_stdin = 0;
                        continue;
                } else if (!strcmp(opt, "--debug")) {
                        debug = 1;
                        continue;
                } else if (!strcmp(opt, "-h") || !strcmp(opt, "--help")) {
                        fputs(usage, stdout);
                        return 0;
                } else {
                        fprintf(stderr, "eddy-broker: unknown option '%s'\n\n%s",
                                opt, usage);
                        return 2;
                }

                if (i + 1 >= argc || (*dst = parse_count(argv[i + 1])) < 0 ||
                    *dst > max) {
                        fprintf(stderr,
                                "eddy-broker: %s needs a number from 0 to %ld, "
                                "got '%s'\n",
                                opt, max, i + 1 < argc ? argv[i + 1] : "");
                        return 2;
                }
                i++;
        }
        if (broker_cnt < 1) {
                fprintf(stderr, "eddy-broker: --brokers must be at least 1\n");
                return 2;
        }
        if (port > 0 && port + broker_cnt - 1 > 65535) {
                fprintf(stderr,
                        "eddy-broker: --port %ld leaves no room for %ld "
                        "brokers below 65536\n",
                        port, broker_cnt);
                return 2;
        }

        if (port > 0 && check_ports_free((int)port, (int)broker_cnt))
                return 1;

        if (pipe(sigpipe) == -1) {
                perror("eddy-broker: pipe");
                return 1;
        }
        signal_pipe_write = sigpipe[1];
        {
                /* A parent may have exec'd us with these signals blocked
                 * (the signal mask survives exec): unblock them. */
                struct sigaction sa;
                sigset_t stop_signals;

                memset(&sa, 0, sizeof(sa));
                sa.sa_handler = on_signal;
                sigemptyset(&sa.sa_mask);
                sigaction(SIGINT, &sa, NULL);
                sigaction(SIGTERM, &sa, NULL);
                signal(SIGPIPE, SIG_IGN);

                sigemptyset(&stop_signals);
                sigaddset(&stop_signals, SIGINT);
                sigaddset(&stop_signals, SIGTERM);
                sigprocmask(SIG_UNBLOCK, &stop_signals, NULL);
        }

        /* The mock cluster needs a client handle for its bookkeeping. */
        conf = rd_kafka_conf_new();
        /* Warnings and worse only: the handle itself connects nowhere. */
        if (rd_kafka_conf_set(conf, "log_level", "4", errstr,
                              sizeof(errstr))) {
                fprintf(stderr, "eddy-broker: %s\n", errstr);
                return 1;
        }
        if (debug &&
            rd_kafka_conf_set(conf, "debug", "mock", errstr, sizeof(errstr))) {
                fprintf(stderr, "eddy-broker: %s\n", errstr);
                return 1;
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "eddy-broker: %s\n", errstr);
                return 1;
        }

        mcluster = rd_kafka_mock_cluster_new_port(rk, (int)broker_cnt,
                                                  (int)port);
        if (!mcluster) {
                fprintf(stderr,
                        "eddy-broker: could not start %ld broker(s)%s; "
                        "is the port range in use? (see the log above)\n",
                        broker_cnt, port ? " on the requested ports" : "");
                rd_kafka_destroy(rk);
                return 1;
        }
        rd_kafka_mock_group_initial_rebalance_delay_set(
            mcluster, (int)rebalance_delay_ms);

        reply("bootstrap.servers=%s", rd_kafka_mock_cluster_bootstraps(mcluster));

        while (!done) {
                struct pollfd fds[2] = {{.fd = sigpipe[0], .events = POLLIN},
                                        {.fd = STDIN_FILENO, .events = POLLIN}};
                ssize_t r;

                if (poll(fds, use_stdin ? 2 : 1, -1) == -1) {
                        if (errno == EINTR)
                                continue;
                        perror("eddy-broker: poll");
                        break;
                }
                if (fds[0].revents)
                        break;
                if (!use_stdin || !fds[1].revents)
                        continue;

                r = read(STDIN_FILENO, line + line_len,
                         sizeof(line) - 1 - line_len);
                if (r <= 0) {
                        if (r == -1 && errno == EINTR)
                                continue;
                        break; /* End of stdin: the controlling process
                                * has gone. */
                }
                line_len += (size_t)r;
                line[line_len] = '\0';

                for (;;) {
                        char *nl = memchr(line, '\n', line_len);
                        size_t consumed;
                        if (!nl) {
                                if (line_len == sizeof(line) - 1) {
                                        reply("error: command line longer "
                                              "than %zu bytes",
                                              sizeof(line) - 2);
                                        line_len = 0;
                                }
                                break;
                        }
                        *nl      = '\0';
                        consumed = (size_t)(nl - line) + 1;
                        if (control(mcluster, (int)broker_cnt, line)) {
                                done = 1;
                                break;
                        }
                        memmove(line, line + consumed, line_len - consumed);
                        line_len -= consumed;
                }
        }

        /* Everything is in memory, so exiting is a clean stop: the kernel
         * closes every client connection. (rd_kafka_mock_cluster_destroy()
         * would first wait about a second for its internal broker thread.) */
        fflush(stdout);
        _exit(0);
}
