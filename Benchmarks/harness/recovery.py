"""Recovery after kill -9 (issue 24): three workers share the input; one is killed with
SIGKILL and restarted at once with the same identity; the figure is the time from the kill
until the output flows again on every partition.

The workers run W3 (WordCount's changelogged count per user) under exactly_once_v2, one
stream thread each, over the benchmark's 6 partitions, fed at a steady rate by the loader.
"Flowing again" is read from the broker's memory: every input partition's committed offset
has moved past where it stood at the kill. Under exactly-once the group's offsets commit
with the outputs in one transaction, so this is the moment each partition's output is
readable (`read_committed`) again. A surviving worker's partitions count as soon as it
commits once more; the dead worker's wait for the group to hand them on (at once under
static membership, when its successor takes its `group.instance.id`; otherwise once its
session has timed out) and for their new owner to restore and commit.
"""

import os
import shutil
import signal
import statistics
import subprocess
import tempfile
import time

from cases import Case

WORKERS = 3
#: The kill pattern's settings: the session a dynamic member's death waits out, and the pause
#: between a worker's death and its restart (the recovery benchmark's).
SESSION_TIMEOUT_MS = 6000
HEARTBEAT_MS = 500
RESTART_AFTER_S = 0.25
#: Input records/s the loader writes while the workers run (all six partitions alike).
RATE = 20_000
POLL_S = 0.01


class RecoveryWorker:
    """One `eddy run` worker; killed with SIGKILL and restarted with its identity and state."""

    def __init__(self, name, eddy, app, state_root, log_path):
        self.name, self.eddy, self.app = name, eddy, app
        # Under a short temporary root: the admin socket's path must fit a Unix socket's.
        self.state = os.path.join(state_root, name)
        self.log_path = log_path
        self.process = None
        self.start()

    def start(self):
        with open(self.log_path, "a") as log:
            self.process = subprocess.Popen(
                [self.eddy, "run", self.app, "--instance-id", self.name, "--state-dir", self.state, "--quiet"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def committed(broker, group, topic, partitions):
    return [broker.committed_partition(group, topic, p) for p in range(partitions)]


def wait_flowing(broker, group, topic, before, since, timeout_s):
    """Seconds from `since` until every partition's committed offset is past `before`'s; None
    after `timeout_s`."""
    waiting = set(range(len(before)))
    deadline = since + timeout_s
    while waiting:
        now = time.monotonic()
        if now > deadline:
            return None
        for partition in list(waiting):
            if broker.committed_partition(group, topic, partition) > before[partition]:
                waiting.discard(partition)
        if waiting:
            time.sleep(POLL_S)
    return time.monotonic() - since


def run_recovery(tools, settings, broker, run_id, static_membership, kills, timeout_s=60):
    """`kills` rounds of kill -9 → restart of one of three workers; returns the seconds until
    the output flowed again on every partition, per round."""
    input_topic, output_topic = f"rec-in-{run_id}", f"rec-out-{run_id}"
    broker.create_topic(input_topic, settings.partitions)
    broker.create_topic(output_topic, settings.partitions)
    case = Case("W3", "eos")
    app = tools.app_file(run_id)
    kafka = {**settings.kafka, "session.timeout.ms": str(SESSION_TIMEOUT_MS),
             "heartbeat.interval.ms": str(HEARTBEAT_MS)}
    with open(app, "w") as file:
        file.write(case.app_yaml(run_id, broker.bootstrap, input_topic, output_topic, 1, settings.commit_ms,
                                 tools.plugins_dir, os.path.join(tools.work_dir, f"{run_id}.state"), kafka)
                   .replace("num.stream.threads: 1\n",
                            f"num.stream.threads: 1\nstatic.membership: {'true' if static_membership else 'false'}\n"))
    # More input than the rounds can use, paced; stopped when they are done.
    loader = subprocess.Popen([tools.load, broker.bootstrap, input_topic, "0", str(RATE * 3600), str(RATE)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state_root = tempfile.mkdtemp(prefix="eddy-rec-")
    workers = [RecoveryWorker(f"w{i + 1}", tools.eddy, app, state_root,
                              os.path.join(tools.work_dir, f"{run_id}-w{i + 1}.log")) for i in range(WORKERS)]
    times = []
    try:
        started = time.monotonic()
        before = [-1] * settings.partitions
        if wait_flowing(broker, run_id, input_topic, before, started, timeout_s) is None:
            raise RuntimeError(f"{run_id}: the output never flowed on every partition; see {tools.work_dir}")
        for round_number in range(kills):
            # Settle: every partition committed again since the last round ended.
            settle = committed(broker, run_id, input_topic, settings.partitions)
            if wait_flowing(broker, run_id, input_topic, settle, time.monotonic(), timeout_s) is None:
                raise RuntimeError(f"{run_id}: the output did not settle before round {round_number + 1}")
            time.sleep(1.0)
            worker = workers[round_number % WORKERS]
            worker.kill()
            killed = time.monotonic()
            before = committed(broker, run_id, input_topic, settings.partitions)
            time.sleep(RESTART_AFTER_S)
            worker.start()
            flowing = wait_flowing(broker, run_id, input_topic, before, killed, timeout_s)
            if flowing is None:
                raise RuntimeError(f"{run_id}: output not flowing on every partition {timeout_s} s after "
                                   f"killing {worker.name}; see {worker.log_path}")
            times.append(flowing)
            print(f"  recovery static.membership {str(static_membership).lower():5} round {round_number + 1}/{kills}: "
                  f"kill -9 {worker.name} -> every partition flowing again after {flowing:.2f} s", flush=True)
    finally:
        for worker in workers:
            worker.stop()
        shutil.rmtree(state_root, ignore_errors=True)
        loader.send_signal(signal.SIGTERM)
        try:
            loader.wait(timeout=10)
        except subprocess.TimeoutExpired:
            loader.kill()
            loader.wait()
    broker.delete_topic(input_topic)
    broker.delete_topic(output_topic)
    return times


def recovery_rows(results):
    """The recovery table's rows: per membership, the median, min and max over the rounds."""
    rows = []
    for static_membership, times in results.items():
        rows.append({"static_membership": static_membership, "seconds": times,
                     "median_s": statistics.median(times), "min_s": min(times), "max_s": max(times)})
    return rows


def format_recovery(rows):
    lines = [f"| kill -9 of 1 of {WORKERS} workers → output flowing on every partition | median s | min s | max s | rounds |",
             "|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| W3-eos, static.membership {'true' if row['static_membership'] else 'false'} "
                     f"(session.timeout.ms {SESSION_TIMEOUT_MS}) | {row['median_s']:.2f} | {row['min_s']:.2f} | "
                     f"{row['max_s']:.2f} | {len(row['seconds'])} |")
    return "\n".join(lines)
