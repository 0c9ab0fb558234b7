/* Helpers shared by the benchmark's librdkafka programs: clocks, configuration, errors. */
#ifndef EDDY_BENCH_COMMON_H
#define EDDY_BENCH_COMMON_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>

/* Wall-clock milliseconds since the epoch (the clock record timestamps use). */
int64_t bench_now_ms(void);

/* Monotonic seconds, for measuring intervals. */
double bench_monotonic_s(void);

/* Prints "PROGRAM: message" to stderr and exits with status 1. */
void bench_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Sets one librdkafka property or dies naming the property and librdkafka's reason. */
void bench_set(rd_kafka_conf_t *conf, const char *name, const char *value);

/* Creates a client of the given type from conf (which it takes over) or dies. */
rd_kafka_t *bench_client(rd_kafka_type_t type, rd_kafka_conf_t *conf);

/* Parses a non-negative decimal argument or dies naming it. */
long long bench_parse_count(const char *what, const char *text);

/* The name used in error messages (argv[0]'s base name). */
extern const char *bench_program;

#endif
