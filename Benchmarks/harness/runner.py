"""Runs one measured process: throughput from the broker's committed offsets, CPU and
peak RSS from the kernel's accounting of the child (wait4), latency from a paced run."""

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass

POLL_SECONDS = 0.01


@dataclass
class Tools:
    """Paths of the programs and directories a run needs."""

    eddy: str
    plugins_dir: str
    passthrough: str
    load: str
    observe: str
    work_dir: str
    #: Sample every run (both sides, so that their threads can be compared with
    #: `perf_layers.py`) with `perf record -g` into work_dir/<run>.perf.data; the run's CPU
    #: and RSS figures then include perf's own.
    perf: bool = False
    #: The allocation-counting shim (`baseline/malloc_count.c`), preloaded into every measured
    #: process when set (`--count-mallocs`); its counts land in work_dir/<run>.mallocs.json.
    malloc_count: str = None

    def profiled(self, case, app_id, command):
        """The command, under `perf record` when sampling (perf passes the final SIGTERM on)."""
        if not self.perf:
            return command
        return ["perf", "record", "-F", "1999", "-g", "-o", os.path.join(self.work_dir, f"{app_id}.perf.data"), "--",
                *command]

    def environment(self, app_id):
        """The measured process's environment: this one, with the counting shim when counting."""
        if not self.malloc_count:
            return None
        return {**os.environ, "LD_PRELOAD": self.malloc_count, "EDDY_MALLOC_COUNT_OUT": self.mallocs_file(app_id)}

    def mallocs_file(self, app_id):
        return os.path.join(self.work_dir, f"{app_id}.mallocs.json")

    def app_file(self, app_id):
        return os.path.join(self.work_dir, f"{app_id}.yaml")

    def log_file(self, app_id):
        return os.path.join(self.work_dir, f"{app_id}.log")


@dataclass
class Settings:
    partitions: int
    threads: int
    commit_ms: int
    timeout_s: float
    #: librdkafka properties for Eddy's app file.
    kafka: dict
    #: Extra librdkafka properties for both sides' consumers and producers (--consumer, --producer).
    consumer: dict
    producer: dict
    #: The baseline's fetcher waker period (passthrough.c's `wake:MS`), 0 for none (--baseline-wake-ms).
    baseline_wake_ms: int = 0


class Measured:
    """The process under test: the baseline or `eddy run` (optionally under perf)."""

    def __init__(self, case, tools, settings, broker, app_id, input_topic, output_topic):
        if not case.is_baseline:
            state_dir = os.path.join(tools.work_dir, f"{app_id}.state")
            with open(tools.app_file(app_id), "w") as file:
                file.write(case.app_yaml(app_id, broker.bootstrap, input_topic, output_topic, settings.threads,
                                         settings.commit_ms, tools.plugins_dir, state_dir, settings.kafka))
        self.log_path = tools.log_file(app_id)
        self.log = open(self.log_path, "w")
        command = case.command(tools, app_id, input_topic, output_topic, settings, broker)
        self.process = subprocess.Popen(tools.profiled(case, app_id, command), stdout=self.log, stderr=subprocess.STDOUT,
                                        env=tools.environment(app_id))
        self.usage = None

    def _reap(self, flags):
        """Collects the exit status and resource usage once the process has ended."""
        if self.usage is None:
            pid, status, usage = os.wait4(self.process.pid, flags)
            if pid:
                self.usage = usage
                self.process.returncode = os.waitstatus_to_exitcode(status)
        return self.usage is not None

    def check_alive(self):
        if self._reap(os.WNOHANG):
            raise RuntimeError(f"the measured process exited early with status {self.process.returncode}; "
                               f"see {self.log_path}")

    def stop(self, timeout_s=60):
        """SIGTERM (each side then commits and leaves), wait, and return (cpu seconds, peak RSS in MB)."""
        if self.usage is None:
            self.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while not self._reap(os.WNOHANG):
            if time.monotonic() > deadline:
                self.process.kill()
                self._reap(0)
                break
            time.sleep(POLL_SECONDS)
        self.log.close()
        return self.usage.ru_utime + self.usage.ru_stime, self.usage.ru_maxrss / 1024.0


def wait_for_commits(broker, measured, group, topic, partitions, target, timeout_s, output_topic=None):
    """Polls the group's committed input offsets until they reach target.

    Returns the (monotonic time, committed sum, output records appended) samples at which
    either count changed; without an output topic, appended is always 0.
    """
    samples = []
    last = (-1, -1)
    deadline = time.monotonic() + timeout_s
    while last[0] < target:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{group}: committed {last[0]} of {target} input records within {timeout_s:.0f} s; "
                               f"see {measured.log_path}")
        measured.check_alive()
        current = (broker.committed(group, topic, partitions),
                   broker.end_offsets(output_topic, partitions) if output_topic else 0)
        if current != last:
            samples.append((time.monotonic(), *current))
            last = current
        time.sleep(POLL_SECONDS)
    return samples


#: The share of a run's outputs the rate is measured over: from the first 10% appended
#: (start-up, the group join, the pre-fetch filling) to the last 10% (the tail, where
#: partitions run out one by one).
STEADY = (0.10, 0.90)


def throughput(samples, records, outputs):
    """Input records/s while processing: the least-squares slope of output records appended
    over time (read from the broker every 10 ms), over the steady middle of the run, times
    input records per output record.

    Appends are continuous, so a run of under a second still gives dozens of samples; the
    committed offsets this used before move only once per commit interval, and a slope through
    the few commits of a short run swung by up to ±0.15 in ratio between reruns of the same
    code. Under exactly-once the output's end offsets
    include one transaction marker per partition per commit, under 0.1% of the records here.
    """
    if outputs == 0:
        # Nothing comes out during the run (emit-final windows stay open): the slope of the
        # committed input offsets, coarser (one step per commit).
        low, high = STEADY[0] * records, STEADY[1] * records
        steady = [(t, committed) for t, committed, _ in samples if low <= committed <= high]
        outputs, method = records, "committed-offset slope"
    else:
        low, high = STEADY[0] * outputs, STEADY[1] * outputs
        steady = [(t, appended) for t, _, appended in samples if low <= appended <= high]
        method = "output slope"
    if len(steady) < 3:
        raise RuntimeError(f"only {len(steady)} samples of the output between {STEADY[0]:.0%} and {STEADY[1]:.0%} "
                           f"appended: too short a run to measure a rate; use more records")
    mean_t = sum(t for t, _ in steady) / len(steady)
    mean_a = sum(a for _, a in steady) / len(steady)
    covariance = sum((t - mean_t) * (a - mean_a) for t, a in steady)
    variance = sum((t - mean_t) ** 2 for t, _ in steady)
    return covariance / variance * records / outputs, f"{method} over {len(steady)} samples"


def run_throughput(case, tools, settings, broker, run_id, input_topic, records):
    """One throughput run over the preloaded input; returns a dict of measurements."""
    output_topic = f"out-{run_id}"
    broker.create_topic(output_topic, settings.partitions)
    measured = Measured(case, tools, settings, broker, run_id, input_topic, output_topic)
    try:
        samples = wait_for_commits(broker, measured, run_id, input_topic, settings.partitions, records,
                                   settings.timeout_s, output_topic)
    finally:
        cpu, rss = measured.stop()
    broker.delete_topic(output_topic)
    rate, method = throughput(samples, records, case.expected_outputs(0, records))
    start = samples[0][0]
    result = {"records_per_s": rate, "rate_from": method,
              "samples": [[round(t - start, 4), c, a] for t, c, a in samples], "cpu_s": cpu,
              "cpu_s_per_million": cpu / records * 1e6, "peak_rss_mb": rss}
    if tools.malloc_count:
        result["mallocs_per_million"] = malloc_counts(case, tools.mallocs_file(run_id), records)
    return result


#: The threads that process records: Eddy's stream threads, the baseline's loops (unnamed
#: threads of `passthrough` carry its name; its main thread only waits for them).
PROCESSING_THREADS = {False: "eddy-stream-", True: "passthrough"}


def malloc_counts(case, path, records):
    """Allocations per million input records, start-up included, of the whole process and of
    its processing threads, from the counting shim's file (written when the process exits)."""
    try:
        with open(path) as file:
            threads = json.load(file)["threads"]
    except (OSError, ValueError) as error:
        raise RuntimeError(f"no allocation counts in {path} ({error}); did the process exit cleanly?")
    prefix = PROCESSING_THREADS[case.is_baseline]
    total = sum(t["allocations"] for t in threads)
    processing = sum(t["allocations"] for t in threads if t["name"].startswith(prefix))
    by_name = {}
    for thread in threads:
        by_name[thread["name"]] = by_name.get(thread["name"], 0) + thread["allocations"]
    return {"process": total / records * 1e6, "processing_threads": processing / records * 1e6,
            "by_thread_name": {name: count for name, count in sorted(by_name.items()) if count > 0}}


def run_tool(command, timeout_s):
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    if result.returncode != 0:
        raise RuntimeError(f"{os.path.basename(command[0])} failed ({result.returncode}): "
                           f"{result.stderr.strip()} {result.stdout.strip()}")
    return json.loads(result.stdout)


def run_latency(case, tools, settings, broker, run_id, rate, seconds):
    """A paced run: the input arrives at `rate` records/s while the process runs; returns
    the end-to-end latency percentiles of the outputs of the paced records."""
    input_topic, output_topic = f"lat-in-{run_id}", f"lat-out-{run_id}"
    broker.create_topic(input_topic, settings.partitions)
    broker.create_topic(output_topic, settings.partitions)
    warmup = 1000
    run_tool([tools.load, broker.bootstrap, input_topic, "0", str(warmup)], 120)
    measured = Measured(case, tools, settings, broker, run_id, input_topic, output_topic)
    try:
        # Live when it has processed and committed the warm-up records.
        wait_for_commits(broker, measured, run_id, input_topic, settings.partitions, warmup, settings.timeout_s)
        count = rate * seconds
        expected = case.expected_outputs(warmup, count)
        since = int(time.time() * 1000)
        observer = subprocess.Popen(
            [tools.observe, broker.bootstrap, output_topic, str(settings.partitions), str(since), str(expected),
             str(int(seconds + 60))], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if observer.stdout.readline().strip() != "ready":
            raise RuntimeError(f"observe did not start: {observer.stderr.read().strip()}")
        run_tool([tools.load, broker.bootstrap, input_topic, str(warmup), str(count), str(rate)], seconds + 120)
        out, err = observer.communicate(timeout=seconds + 90)
        if observer.returncode != 0:
            raise RuntimeError(f"observe: saw fewer than {expected} outputs: {out.strip()} {err.strip()}")
        result = json.loads(out)
    finally:
        measured.stop()
    broker.delete_topic(input_topic)
    broker.delete_topic(output_topic)
    return result
