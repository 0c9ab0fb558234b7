"""Eddy against the raw librdkafka limit, side by side (issue 8).

Starts eddy-broker, loads the input once, runs every case several times alternating the
baseline and Eddy, then a paced latency run per case, and prints the table (also written
as JSON under Benchmarks/results/). Run through Benchmarks/run.sh, which builds the tools.
"""

import argparse
import datetime
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
import uuid

from broker import Broker
from cases import GOALS, KAFKA_TUNING, all_cases
from recovery import format_recovery, recovery_rows, run_recovery
from runner import Settings, Tools, run_latency, run_throughput, run_tool

INPUT_TOPIC = "bench-input"
#: The broker's initial rebalance delay when groups have several members (Kafka's default is 3 s).
REBALANCE_DELAY_MS = 1000


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300,000 records, 2 runs, 3 s latency runs")
    parser.add_argument("--records", type=int, help="input records (default 1,000,000)")
    parser.add_argument("--runs", type=int, help="runs per case (default 5)")
    parser.add_argument("--threads", type=int, default=1, help="Eddy's num.stream.threads and the baseline's loops (default 1)")
    parser.add_argument("--commit-ms", type=int, default=100, help="commit interval of both sides (default 100)")
    parser.add_argument("--latency-rate", type=int, default=50_000, help="records/s of the paced runs")
    parser.add_argument("--latency-seconds", type=int, help="length of each paced run (default 10)")
    parser.add_argument("--cases", help="comma-separated case names to run, e.g. baseline-alo,W1-alo")
    parser.add_argument("--no-latency", action="store_true", help="skip the paced latency runs")
    parser.add_argument("--recovery-kills", type=int,
                        help="rounds of kill -9 of one of three W3-eos workers per membership (static.membership "
                             "false, true), timed to the output flowing again on every partition (default 3, 1 with "
                             "--quick, 0 with --cases)")
    parser.add_argument("--eddy", required=True)
    parser.add_argument("--plugins", required=True, help="directory holding libWordCount.so and libEnrich.so")
    parser.add_argument("--broker", required=True)
    parser.add_argument("--tools", required=True, help="directory of the compiled baseline programs")
    parser.add_argument("--results", required=True)
    parser.add_argument("--consumer", action="append", default=[], metavar="KEY=VALUE",
                        help="a librdkafka property for both sides' consumers, over the shared tuning (repeatable)")
    parser.add_argument("--producer", action="append", default=[], metavar="KEY=VALUE",
                        help="a librdkafka property for both sides' producers, over the shared tuning (repeatable)")
    parser.add_argument("--eddy-kafka", action="append", default=[], metavar="KEY=VALUE",
                        help="a librdkafka property for Eddy's app file only, over the shared tuning (repeatable)")
    parser.add_argument("--baseline-wake-ms", type=int, default=0, metavar="MS",
                        help="give the baseline's loops passthrough.c's fetcher waker, ticking every MS ms (default: none)")
    parser.add_argument("--perf", action="store_true",
                        help="sample every run, both sides, with perf record -g (the data lands in the run's directory; "
                             "harness/perf_layers.py sorts it by layer)")
    parser.add_argument("--count-mallocs", metavar="SHIM",
                        help="preload this build of baseline/malloc_count.c into every measured process and print "
                             "allocations per million records (slows both sides: count in runs of their own)")
    parser.add_argument("--commit", help="the commit measured, when not this checkout's HEAD (default: git's)")
    arguments = parser.parse_args()
    for path in ("eddy", "plugins", "broker", "tools", "results"):
        setattr(arguments, path, os.path.abspath(getattr(arguments, path)))
    if arguments.count_mallocs:
        arguments.count_mallocs = os.path.abspath(arguments.count_mallocs)
    arguments.records = arguments.records or (300_000 if arguments.quick else 1_000_000)
    arguments.runs = arguments.runs or (2 if arguments.quick else 5)
    arguments.latency_seconds = arguments.latency_seconds or (3 if arguments.quick else 10)
    if arguments.recovery_kills is None:
        arguments.recovery_kills = 0 if arguments.cases else 1 if arguments.quick else 3
    return arguments


def properties(arguments, option):
    """The KEY=VALUE items of a repeatable option, as a dict; exits naming a malformed one."""
    items = getattr(arguments, option)
    malformed = [item for item in items if "=" not in item or item.startswith("=")]
    if malformed:
        sys.exit(f"bench: --{option.replace('_', '-')} takes KEY=VALUE, not {malformed[0]!r}")
    return dict(item.split("=", 1) for item in items)


def git_commit():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    def git(*args):
        return subprocess.run(["git", "-C", root, *args], capture_output=True, text=True).stdout.strip()
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")


def summarize(case, runs, latency, baselines):
    rates = [r["records_per_s"] for r in runs]
    row = {
        "case": case.name,
        "runs": runs,
        "records_per_s": {"median": statistics.median(rates), "min": min(rates), "max": max(rates)},
        "cpu_s_per_million": statistics.median(r["cpu_s_per_million"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "latency_ms": latency,
    }
    if "mallocs_per_million" in runs[0]:
        row["mallocs_per_million"] = {
            scope: statistics.median(r["mallocs_per_million"][scope] for r in runs)
            for scope in ("process", "processing_threads")}
    if not case.is_baseline and case.guarantee in baselines:
        ratio = row["records_per_s"]["median"] / baselines[case.guarantee]
        goal = GOALS.get((case.workload, case.guarantee))
        row.update(ratio=ratio, goal=goal, goal_met=goal is None or ratio >= goal)
    return row


def format_table(rows):
    counted = any("mallocs_per_million" in row for row in rows)
    header = ("case", "records/s median", "min", "max", "ratio (goal)", "p50 ms", "p99 ms", "peak RSS MB",
              "CPU s/M rec") + (("mallocs/M rec: process", "processing threads") if counted else ())
    lines = [header]
    for row in rows:
        rate = row["records_per_s"]
        if "ratio" not in row:
            ratio = "1"
        elif row["goal"] is None:
            ratio = f"{row['ratio']:.2f}"
        else:
            ratio = f"{row['ratio']:.2f} ({row['goal']:.2f} {'met' if row['goal_met'] else 'MISSED'})"
        latency = row["latency_ms"] or {}
        lines.append((row["case"], f"{rate['median']:,.0f}", f"{rate['min']:,.0f}", f"{rate['max']:,.0f}", ratio,
                      str(latency.get("p50_ms", "-")), str(latency.get("p99_ms", "-")), f"{row['peak_rss_mb']:.0f}",
                      f"{row['cpu_s_per_million']:.2f}")
                     + ((f"{row['mallocs_per_million']['process']:,.0f}",
                         f"{row['mallocs_per_million']['processing_threads']:,.0f}") if counted else ()))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    def render(line):
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |"
    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([render(lines[0]), separator] + [render(line) for line in lines[1:]])


def main():
    arguments = parse_arguments()
    # A SIGTERM unwinds like Ctrl-C, so every started process is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(f"bench: stopped by signal {number}"))
    cases = all_cases(extra=bool(arguments.cases))
    if arguments.cases:
        wanted = arguments.cases.split(",")
        unknown = set(wanted) - {case.name for case in cases}
        if unknown:
            sys.exit(f"bench: unknown case(s) {', '.join(sorted(unknown))}; the cases are "
                     f"{', '.join(case.name for case in cases)}")
        cases = [case for case in cases if case.name in wanted]

    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    work_dir = os.path.join(arguments.results, f"run-{stamp}")
    os.makedirs(work_dir, exist_ok=True)
    tools = Tools(eddy=arguments.eddy, plugins_dir=arguments.plugins,
                  passthrough=os.path.join(arguments.tools, "passthrough"), load=os.path.join(arguments.tools, "load"),
                  observe=os.path.join(arguments.tools, "observe"), work_dir=work_dir,
                  perf=arguments.perf, malloc_count=arguments.count_mallocs)
    consumer, producer, overrides = (properties(arguments, name) for name in ("consumer", "producer", "eddy_kafka"))
    settings = Settings(partitions=6, threads=arguments.threads, commit_ms=arguments.commit_ms, timeout_s=600,
                        kafka={**KAFKA_TUNING, **consumer, **producer, **overrides}, consumer=consumer, producer=producer,
                        baseline_wake_ms=arguments.baseline_wake_ms)
    tag = uuid.uuid4().hex[:6]
    recoveries = {}

    broker = Broker(arguments.broker, arguments.eddy, os.path.join(work_dir, "broker.log"),
                    initial_rebalance_delay_ms=REBALANCE_DELAY_MS if arguments.threads > 1 else 0)
    try:
        print(f"broker at {broker.bootstrap}; loading {arguments.records:,} records on {settings.partitions} partitions",
              flush=True)
        broker.create_topic(INPUT_TOPIC, settings.partitions)
        load = run_tool([tools.load, broker.bootstrap, INPUT_TOPIC, "0", str(arguments.records)], 600)
        print(f"loaded at {load['records'] / load['seconds']:,.0f} records/s", flush=True)

        runs = {case.name: [] for case in cases}
        for repetition in range(arguments.runs):
            for case in cases:
                run_id = f"{case.name}-{repetition}-{tag}"
                result = run_throughput(case, tools, settings, broker, run_id, INPUT_TOPIC, arguments.records)
                runs[case.name].append(result)
                print(f"  run {repetition + 1}/{arguments.runs} {case.name:13} {result['records_per_s']:>12,.0f} records/s"
                      f"  cpu {result['cpu_s']:.2f} s  rss {result['peak_rss_mb']:.0f} MB"
                      + (f"  mallocs/M rec {result['mallocs_per_million']['process']:,.0f} "
                         f"(processing threads {result['mallocs_per_million']['processing_threads']:,.0f})"
                         if "mallocs_per_million" in result else ""), flush=True)

        latencies = {}
        if not arguments.no_latency:
            for case in cases:
                latency = run_latency(case, tools, settings, broker, f"lat-{case.name}-{tag}", arguments.latency_rate,
                                      arguments.latency_seconds)
                latencies[case.name] = latency
                print(f"  latency at {arguments.latency_rate:,}/s {case.name:13} p50 {latency['p50_ms']} ms"
                      f"  p99 {latency['p99_ms']} ms  max {latency['max_ms']} ms", flush=True)

        for static_membership in (False, True) if arguments.recovery_kills > 0 else ():
            recoveries[static_membership] = run_recovery(
                tools, settings, broker, f"recovery-{'static' if static_membership else 'dynamic'}-{tag}",
                static_membership, arguments.recovery_kills)
    finally:
        broker.stop()

    baselines = {case.guarantee: statistics.median(r["records_per_s"] for r in runs[case.name])
                 for case in cases if case.is_baseline}
    rows = [summarize(case, runs[case.name], latencies.get(case.name), baselines) for case in cases]
    table = format_table(rows)
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": arguments.commit or git_commit(),
        "machine": {"host": platform.node(), "cpus": os.cpu_count(), "kernel": platform.release()},
        "settings": {"records": arguments.records, "partitions": settings.partitions, "runs": arguments.runs,
                     "threads": arguments.threads, "commit_interval_ms": arguments.commit_ms,
                     "eddy_kafka": settings.kafka, "consumer": consumer, "producer": producer,
                     "latency_rate": arguments.latency_rate, "latency_seconds": arguments.latency_seconds},
        "load_records_per_s": load["records"] / load["seconds"],
        "librdkafka": load["librdkafka"],
        "cases": rows,
        "table": table,
    }
    if recoveries:
        report["recovery"] = recovery_rows(recoveries)
        report["recovery_table"] = format_recovery(report["recovery"])
    path = os.path.join(arguments.results, f"bench-{stamp}.json")
    with open(path, "w") as file:
        json.dump(report, file, indent=2)
    print()
    print(f"{arguments.records:,} records, {arguments.runs} runs per case, commit interval {arguments.commit_ms} ms, "
          f"{arguments.threads} stream thread(s) / baseline loop(s); latency at {arguments.latency_rate:,} records/s; commit {report['commit']}; "
          f"librdkafka {load['librdkafka']}")
    print(table)
    if recoveries:
        print()
        print(report["recovery_table"])
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
