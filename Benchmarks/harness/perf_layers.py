"""Where a profiled run's processing thread spends its time, layer by layer, in ns per record.

    python3 Benchmarks/harness/perf_layers.py RUN.perf.data [--hz 1999] [--records 1000000]
        [--thread eddy-stream]

Reads a `perf record` file of one side-by-side run (`--perf`, which samples at 1999 Hz) and
sorts the samples of the threads whose name starts with `--thread` (Eddy's stream threads;
`passthrough` for the baseline's loop, when it was profiled) by the library and, for Eddy's
own code, the module the sampled function belongs to. Each sample stands for 1/hz seconds
of CPU, so samples / hz / records is the thread's CPU time per record. Self time only: a
layer's callees are counted where they run (the allocator under "glibc malloc/free", the
memtable under "RocksDB"). The first line gives the same per-record figure for every thread.
"""

import argparse
import collections
import subprocess

ALLOCATOR = {"malloc", "_int_free", "_int_malloc", "cfree@GLIBC_2.2.5", "unlink_chunk.constprop.0",
             "malloc_consolidate", "free", "__libc_malloc", "__libc_free", "tcache_init", "_int_realloc", "realloc",
             "calloc", "__libc_calloc", "cfree", "sysmalloc"}
#: Eddy's modules by the prefix of their Swift mangled names.
MODULES = (("$s9EddyKafka", "EddyKafka (record views, produce call)"),
           ("$s11EddyRuntime", "EddyRuntime (task loop, serde checks, sink)"),
           ("$s10EddyEngine", "EddyEngine (graph, node dispatch, RunBuffer)"),
           ("$s8EddyHost", "EddyHost (host API: forward, stores)"),
           ("$s9EddyState", "EddyState (record cache, checkpoint)"))


def layer(library, symbol):
    if library.startswith("librdkafka"):
        return "librdkafka (consume, produce, poll)"
    if library.startswith("librocksdb"):
        return "RocksDB"
    if library.startswith(("libWordCount", "libEnrich")):
        return "plugin"
    if library.startswith("libc.so"):
        if symbol in ALLOCATOR:
            return "glibc malloc/free"
        if any(word in symbol for word in ("mutex", "rwlock", "mtx_", "lll_lock")):
            return "glibc locks (librdkafka's queues and counters)"
        return "glibc other (memcpy, memcmp, …)"
    if library.startswith("libswift"):
        return "Swift runtime (retain/release, …)"
    if "kernel" in library or library == "[vdso]":
        return "kernel + vdso (clock_gettime, scheduling)"
    if library == "eddy":
        return next((name for prefix, name in MODULES if symbol.startswith(prefix)), "eddy, other")
    return "other: " + library


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("perf_data")
    parser.add_argument("--hz", type=float, default=1999.0, help="the sampling frequency (the harness's: 1999)")
    parser.add_argument("--records", type=float, default=1e6, help="input records of the run (default 1,000,000)")
    parser.add_argument("--thread", default="eddy-stream", help="name prefix of the processing threads")
    arguments = parser.parse_args()
    script = subprocess.run(["perf", "script", "-i", arguments.perf_data, "-F", "comm,ip,sym,dso", "-G"],
                            capture_output=True, text=True, check=True).stdout
    layers, threads = collections.Counter(), collections.Counter()
    for line in script.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        thread, library, symbol = parts[0], parts[-1].strip("()").rsplit("/", 1)[-1], " ".join(parts[2:-1])
        threads[thread] += 1
        if thread.startswith(arguments.thread):
            layers[layer(library, symbol)] += 1

    def ns(samples):
        return samples / arguments.hz / arguments.records * 1e9

    print("threads, ns per record: " + ", ".join(f"{name} {ns(n):.0f}" for name, n in threads.most_common(6)))
    total = sum(layers.values())
    for name, samples in layers.most_common():
        print(f"  {name:50} {ns(samples):6.0f} ns  {samples / total:6.1%}")
    print(f"  {arguments.thread + '* total':50} {ns(total):6.0f} ns")


if __name__ == "__main__":
    main()
