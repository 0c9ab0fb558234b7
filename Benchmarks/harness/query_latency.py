"""Interactive-query latency: two `eddy run` workers (WordCount's word count, four partitions,
exactly_once_v2, commit.interval.ms 100) on eddy-broker; GET /stores/counts/keys/<word> of
random words against one worker (about half of them forwarded to the other), first idle, then
while a producer keeps the workers processing. Prints p50/p99 (ms) of each.

    python3 Benchmarks/harness/query_latency.py --eddy BIN/eddy --plugins BIN --broker eddy-broker
"""
import argparse, json, os, random, shutil, socket, subprocess, sys, tempfile, threading, time, urllib.request, urllib.error


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path, timeout=10):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eddy", required=True)
    ap.add_argument("--plugins", required=True)
    ap.add_argument("--broker", required=True)
    ap.add_argument("--queries", type=int, default=2000)
    args = ap.parse_args()
    args.plugins = os.path.abspath(args.plugins)
    work = tempfile.mkdtemp(prefix="eddy-qlat-")
    bport = free_port()
    broker = subprocess.Popen([args.broker, "--port", str(bport), "--no-stdin"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bootstrap = f"127.0.0.1:{bport}"
    procs = [broker]
    try:
        time.sleep(1)
        for topic in ["lines", "counts-out"]:
            subprocess.run([args.eddy, "topic", "create", topic, "--partitions", "4", "-b", bootstrap], check=True, stdout=subprocess.DEVNULL)
        words = [f"w{i}" for i in range(1000)]
        rng = random.Random(7)
        lines = [" ".join(rng.choice(words) for _ in range(8)) for _ in range(20000)]
        with open(os.path.join(work, "lines.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        ports = []
        for name in ["a", "b"]:
            port = free_port()
            ports.append(port)
            app = os.path.join(work, f"{name}.yaml")
            with open(app, "w") as f:
                f.write(f"""application.id: qlat
bootstrap.servers: {bootstrap}
processing.guarantee: exactly_once_v2
num.stream.threads: 1
plugins.dir: {args.plugins}
state.dir: {work}/state-{name}
application.server: 127.0.0.1:{port}
commit.interval.ms: 100
topology:
  sources:
    - {{name: lines, topics: [lines]}}
  processors:
    - {{name: split, plugin: WordCount, processor: split, inputs: [lines]}}
    - {{name: by-word, type: repartition, inputs: [split]}}
    - {{name: count, plugin: WordCount, processor: word-count, inputs: [by-word]}}
  sinks:
    - {{name: out, topic: counts-out, inputs: [count], value.serde: i64}}
""")
            procs.append(subprocess.Popen([args.eddy, "run", app, "--instance-id", name, "--quiet"],
                                          stdout=open(os.path.join(work, f"{name}.log"), "w"), stderr=subprocess.STDOUT))
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                members = json.loads(get(ports[0], "/metadata")[1])
                if len(members) == 2 and all(m["tasks"] and not m["restoringTasks"] for m in members):
                    break
            except Exception:
                pass
            time.sleep(0.2)
        subprocess.run([args.eddy, "produce", "lines", "-f", os.path.join(work, "lines.txt"), "-b", bootstrap], check=True, stdout=subprocess.DEVNULL)
        total = 8 * len(lines)
        while time.time() < deadline:
            status, body = get(ports[0], "/stores/counts/all")
            if status == 200 and sum(r["value"] for r in json.loads(body)["results"]) == total:
                break
            time.sleep(0.2)
        else:
            sys.exit("the counts were not complete within 120 s; worker log:\n" + open(os.path.join(work, "a.log")).read()[-3000:])

        def measure(label):
            latencies, unavailable = [], 0
            for _ in range(args.queries):
                word = rng.choice(words)
                start = time.perf_counter()
                status, _ = get(ports[0], f"/stores/counts/keys/{word}")
                latencies.append((time.perf_counter() - start) * 1000)
                unavailable += status != 200
            print(f"{label}: p50 {percentile(latencies, 0.5):.2f} ms, p99 {percentile(latencies, 0.99):.2f} ms, "
                  f"{len(latencies)} queries, {unavailable} not 200")

        measure("idle")
        stop = threading.Event()

        def load():
            while not stop.is_set():
                subprocess.run([args.eddy, "produce", "lines", "-f", os.path.join(work, "lines.txt"), "-b", bootstrap],
                               stdout=subprocess.DEVNULL)
        loader = threading.Thread(target=load)
        loader.start()
        time.sleep(2)
        measure("under load (a producer writing 20,000-line files back to back)")
        stop.set()
        loader.join()
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
