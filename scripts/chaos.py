#!/usr/bin/env python3
"""Chaos test of exactly-once processing (issue 25, part 3).

Runs the WordCount application (split, repartition by word, count) on several `eddy run`
workers of one application against a 3-broker `eddy-broker`, feeds it lines without pause,
and meanwhile kills a random worker with SIGKILL (restarting it 0-2 s later) and takes a
random broker down for 1-3 s with eddy-broker's control commands. After each fault it
measures the time until the output flows again: every input and repartition partition has
committed new offsets.

The verdict: the word counts read read_committed must be, for every word, exactly 1..N in
order, N the word's count in the input — no count lost, none repeated. With
`--guarantee at_least_once` the verdict is expected to fail (a killed worker's uncommitted
records are processed again): that is how to check the test has teeth.

Needs only python3's standard library, the built `eddy` (with the WordCount plugin) and
`eddy-broker`: `bash scripts/chaos.sh` builds them first and passes its arguments here.
"""

import argparse
import collections
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORDS = [
    "kafka", "swift", "stream", "state", "eddy", "plugin", "topic", "offset", "commit", "task",
    "broker", "group", "member", "fence", "zombie", "epoch", "marker", "store", "window", "join",
]
INPUT, OUTPUT, PARTITIONS = "text-input", "word-counts", 6


# Every process this script starts, so that none outlives it, whatever ends it.
CHILDREN = []


def spawn(command, **options):
    proc = subprocess.Popen(command, **options)
    CHILDREN.append(proc)
    return proc


def kill_children():
    for proc in CHILDREN:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def log(message):
    print(message, flush=True)


class Broker:
    """eddy-broker with its control channel (stdin commands, one reply line each)."""

    def __init__(self, binary, brokers):
        self.proc = spawn(
            [binary, "--brokers", str(brokers)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        first = self.proc.stdout.readline().strip()
        if not first.startswith("bootstrap.servers="):
            raise SystemExit(f"eddy-broker did not start: '{first}'")
        self.bootstrap = first.split("=", 1)[1]
        self.lock = threading.Lock()

    def control(self, command):
        with self.lock:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
            reply = self.proc.stdout.readline().strip()
        if not reply.startswith("ok"):
            raise RuntimeError(f"eddy-broker: '{command}' answered '{reply}'")
        return reply[2:].strip()

    def committed(self, group, topic, partition):
        """The group's committed offset, -1 if none (or if the topic does not exist yet)."""
        try:
            return int(self.control(f"committed {group} {topic} {partition}"))
        except RuntimeError as error:
            if "Unknown topic or partition" in str(error):
                return -1
            raise

    def stop(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
        except OSError:
            pass
        self.proc.wait(timeout=30)


class Worker:
    """One `eddy run` process; killed with SIGKILL and restarted with the same identity."""

    def __init__(self, name, eddy, app, directory):
        self.name, self.eddy, self.app = name, eddy, app
        self.state = os.path.join(directory, f"state-{name}")
        self.log_path = os.path.join(directory, f"{name}.log")
        self.proc = None
        self.start()

    def start(self):
        log_file = open(self.log_path, "a")
        self.proc = spawn(
            [self.eddy, "run", self.app, "--instance-id", self.name, "--state-dir", self.state, "--quiet"],
            stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        log_file.close()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Feeder(threading.Thread):
    """Writes lines of random words to `eddy produce` without pause, counting every word."""

    def __init__(self, eddy, bootstrap, rng, lines_per_second):
        super().__init__(daemon=True)
        self.proc = spawn(
            [eddy, "produce", INPUT, "-b", bootstrap], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self.rng, self.interval = rng, 0.1
        self.batch = max(1, lines_per_second // 10)
        self.totals = collections.Counter()
        self.lines = 0
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.is_set():
            lines = [" ".join(self.rng.choice(WORDS) for _ in range(4)) for _ in range(self.batch)]
            self.proc.stdin.write("".join(line + "\n" for line in lines))
            self.proc.stdin.flush()
            for line in lines:
                self.totals.update(line.split())
            self.lines += len(lines)
            time.sleep(self.interval)

    def finish(self):
        self.stopping.set()
        self.join()
        out, err = self.proc.communicate(timeout=120)
        if self.proc.returncode != 0 or f"produced {self.lines} records" not in out:
            raise SystemExit(f"the input producer failed: {out.strip()} {err.strip()}")


def committed_offsets(broker, group, topics):
    return {(t, p): broker.committed(group, t, p) for t in topics for p in range(PARTITIONS)}


def wait_flowing(broker, group, before, since, timeout):
    """Seconds from `since` until every partition in `before` (committed offsets taken at
    `since`) has committed past that offset; None if that takes longer than `timeout`."""
    start, deadline = since, time.monotonic() + timeout
    waiting = set(before)
    while waiting and time.monotonic() < deadline:
        time.sleep(0.1)
        for key in list(waiting):
            if broker.committed(group, *key) > before[key]:
                waiting.discard(key)
    return None if waiting else time.monotonic() - start


def read_counts(eddy, bootstrap):
    """The output read read_committed to its end: word -> its counts in order."""
    result = subprocess.run(
        [eddy, "consume", OUTPUT, "-b", bootstrap, "--from-beginning", "--to-end", "--format", "key-value",
         "--value-serde", "i64"], capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        raise SystemExit(f"eddy consume failed: {result.stderr.strip()}")
    counts = collections.defaultdict(list)
    for line in result.stdout.splitlines():
        word, value = line.split("\t", 1)
        counts[word].append(int(value))
    return counts


def verdict(counts, totals):
    """Problems with the output: each word's counts must be exactly 1..N in order."""
    problems = []
    for word in sorted(set(totals) | set(counts)):
        seen, n = counts.get(word, []), totals.get(word, 0)
        if seen != list(range(1, n + 1)):
            first_bad = next((i for i, c in enumerate(seen) if c != i + 1), None)
            if first_bad is not None:
                where = f"position {first_bad + 1} holds {seen[first_bad]}, then {seen[first_bad + 1:first_bad + 4]}"
            elif len(seen) > n:
                where = f"counts 1..{len(seen)} in order: {len(seen) - n} too many"
            else:
                where = f"counts 1..{len(seen)} in order: the last {n - len(seen)} missing"
            problems.append(f"{word}: {len(seen)} counts for {n} occurrences ({where})")
    return problems


def summary(name, values):
    if not values:
        return f"{name}: none"
    ordered = sorted(values)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return (f"{name}: n={len(values)} median {statistics.median(values):.1f} s, p90 {p90:.1f} s, "
            f"max {max(values):.1f} s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--outages", type=int, default=2, help="broker outages (a broker of 3 down for 1-3 s)")
    parser.add_argument("--seed", type=int, default=None, help="fixes the faults' order and timing and the input")
    parser.add_argument("--guarantee", choices=["exactly_once_v2", "at_least_once"], default="exactly_once_v2")
    parser.add_argument("--static-membership", action="store_true", help="static.membership: true")
    parser.add_argument("--rate", type=int, default=100, help="input lines per second")
    parser.add_argument("--flow-timeout", type=float, default=60, help="seconds a fault may stop the output")
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build", "debug"), help="where eddy and the plugins are")
    parser.add_argument("--broker", default=os.path.join(ROOT, ".build-broker", "bin", "eddy-broker"))
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, state)")
    args = parser.parse_args()

    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng, input_rng = random.Random(seed), random.Random(seed + 1)
    eddy = os.path.join(args.bin, "eddy")
    for path in (eddy, args.broker):
        if not os.access(path, os.X_OK):
            raise SystemExit(f"{path} not found: run `bash scripts/chaos.sh` (it builds first)")
    work = tempfile.mkdtemp(prefix="eddy-chaos-")
    group = f"chaos-{seed}"
    log(f"chaos: seed {seed}, {args.workers} workers, {args.kills} kills, {args.outages} broker outages, "
        f"{args.guarantee}, static membership {'on' if args.static_membership else 'off'}, work dir {work}")

    broker = Broker(args.broker, 3)
    for topic in (INPUT, OUTPUT):
        subprocess.run([eddy, "topic", "create", topic, "-p", str(PARTITIONS), "-b", broker.bootstrap],
                       check=True, capture_output=True)
    app = os.path.join(work, "app.yaml")
    with open(app, "w") as f:
        f.write(f"""application.id: {group}
bootstrap.servers: {broker.bootstrap}
processing.guarantee: {args.guarantee}
num.stream.threads: 1
commit.interval.ms: 100
static.membership: {'true' if args.static_membership else 'false'}
plugins.dir: {args.bin}
state.dir: {work}/state
kafka:
  session.timeout.ms: "6000"
  heartbeat.interval.ms: "500"
topology:
  sources:
    - {{name: lines, topics: [{INPUT}]}}
  processors:
    - {{name: split, plugin: WordCount, processor: split, inputs: [lines]}}
    - {{name: by-word, type: repartition, inputs: [split]}}
    - {{name: count, plugin: WordCount, processor: count, inputs: [by-word]}}
  sinks:
    - {{name: out, topic: {OUTPUT}, inputs: [count], value.serde: i64}}
""")
    repartition = f"{group}-by-word-repartition"
    watched = [INPUT, repartition]

    feeder = Feeder(eddy, broker.bootstrap, input_rng, args.rate)
    workers = [Worker(f"w{i + 1}", eddy, app, work) for i in range(args.workers)]
    feeder.start()
    failed = []
    kill_flows, outage_flows = [], []
    try:
        started = time.monotonic()
        first = wait_flowing(broker, group, committed_offsets(broker, group, watched), started, 120)
        if first is None:
            raise SystemExit("the output never started flowing; see the worker logs in " + work)
        log(f"flowing after {first:.1f} s from start")
        events = ["kill"] * args.kills + ["outage"] * args.outages
        rng.shuffle(events)
        for number, event in enumerate(events, 1):
            time.sleep(rng.uniform(0.5, 3.0))
            before = committed_offsets(broker, group, watched)
            at = time.monotonic()
            if event == "kill":
                worker = rng.choice(workers)
                pause = rng.uniform(0.0, 2.0)
                worker.kill()
                time.sleep(pause)
                worker.start()
                what = f"kill {worker.name} (SIGKILL, restarted after {pause:.1f} s)"
            else:
                broker_id = rng.randint(1, 3)
                down = rng.uniform(1.0, 3.0)
                broker.control(f"broker-down {broker_id}")
                time.sleep(down)
                broker.control(f"broker-up {broker_id}")
                what = f"broker {broker_id} down for {down:.1f} s"
            flowing = wait_flowing(broker, group, before, at, args.flow_timeout)
            if flowing is None:
                failed.append(f"event {number} ({what}): output not flowing after {args.flow_timeout:.0f} s")
                log(f"[{at - started:6.1f} s] {number:2}. {what}: NOT flowing after {args.flow_timeout:.0f} s")
                break
            (kill_flows if event == "kill" else outage_flows).append(flowing)
            log(f"[{at - started:6.1f} s] {number:2}. {what}: flowing again after {flowing:.1f} s")
    finally:
        feeder.finish()

    totals = feeder.totals
    expected_records = sum(totals.values())
    log(f"input: {feeder.lines} lines, {expected_records} words; waiting for every count")
    deadline = time.monotonic() + 120
    counts = read_counts(eddy, broker.bootstrap)
    while (any(max(counts.get(w, [0]), default=0) < n for w, n in totals.items()) and time.monotonic() < deadline):
        time.sleep(2)
        counts = read_counts(eddy, broker.bootstrap)
    for worker in workers:
        worker.stop()
    broker.stop()

    log(summary("kill -> flowing", kill_flows))
    log(summary("broker outage -> flowing", outage_flows))
    problems = failed + verdict(counts, totals)
    output_records = sum(len(c) for c in counts.values())
    if problems:
        log(f"VERDICT: FAIL ({output_records} output records for {expected_records} words)")
        for problem in problems[:20]:
            log(f"  {problem}")
        log(f"logs and state kept in {work}")
        return 1
    log(f"VERDICT: PASS — every word's counts are exactly 1..N in order ({output_records} records, "
        f"{len(totals)} words)")
    if not args.keep:
        subprocess.run(["rm", "-rf", work])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        kill_children()
