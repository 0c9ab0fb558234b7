"""The benchmark's cases: the librdkafka baseline and Eddy's workloads W1-W3."""

from dataclasses import dataclass

#: librdkafka settings both sides run with (the baseline sets the same in passthrough.c), except
#: `queued.min.messages`: the baseline keeps 1M (an unbounded pre-fetch queue for this input, its
#: fastest setting), Eddy its default bounded queue (50,000 per partition, refetched within
#: `fetch.queue.backoff.ms` 5 once drained; README "A bounded pre-fetch queue on librdkafka 2.0.2").
KAFKA_TUNING = {
    "linger.ms": "5",
    "batch.num.messages": "10000",
    "batch.size": "1048576",
    "queue.buffering.max.messages": "1000000",
    "queue.buffering.max.kbytes": "1048576",
    "fetch.wait.max.ms": "10",
    "fetch.max.bytes": "52428800",
    "max.partition.fetch.bytes": "4194304",
}

TOPOLOGIES = {
    # W1: every record through a plugin processor (WordCount's `passthrough`, Swift).
    "W1": """
  sources:
    - {{name: in, topics: [{input}]}}
  processors:
    - {{name: pass, plugin: WordCount, processor: passthrough, inputs: [in]}}
  sinks:
    - {{name: out, topic: {output}, inputs: [pass]}}
""",
    # W2: parse JSON, keep amount > 10 (Enrich.is_large), add amount_cents (Enrich.amount_cents).
    "W2": """
  sources:
    - {{name: in, topics: [{input}], value.serde: json}}
  processors:
    - {{name: large, type: filter, function: Enrich.is_large, fields: [amount], inputs: [in]}}
    - {{name: cents, type: map_values, function: Enrich.amount_cents, fields: [amount], output.field: amount_cents, inputs: [large]}}
  sinks:
    - {{name: out, topic: {output}, inputs: [cents], value.serde: json}}
""",
    # W2 as a Streams DSL topology (Enrich's exported filter + mapValues on Codable JSON).
    "W2dsl": """
  plugin: Enrich
  topics: {{payments: {input}, payments-in-cents: {output}}}
""",
    # W2 as one Processor API processor (Enrich's `large-cents`, Codable JSON).
    "W2proc": """
  sources:
    - {{name: in, topics: [{input}], value.serde: json}}
  processors:
    - {{name: large, plugin: Enrich, processor: large-cents, inputs: [in]}}
  sinks:
    - {{name: out, topic: {output}, inputs: [large], value.serde: json}}
""",
    # W3: count per user (the record key) in WordCount's changelogged `key-counts` store.
    "W3": """
  sources:
    - {{name: in, topics: [{input}]}}
  processors:
    - {{name: count, plugin: WordCount, processor: count, inputs: [in]}}
  sinks:
    - {{name: out, topic: {output}, inputs: [count], value.serde: i64}}
""",
    # W3 in tumbling 1-minute windows of the record timestamps, a built-in count per user and window.
    "W3win": """
  sources:
    - {{name: in, topics: [{input}]}}
  processors:
    - {{name: count, type: count, window: {{type: tumbling, size.ms: 60000}}, inputs: [in]}}
  sinks:
    - {{name: out, topic: {output}, inputs: [count], key.serde: bytes, value.serde: i64}}
""",
    # W3win with `emit: final`: updates wait in the changelogged suppression buffer; a run's
    # windows stay open, so the rate comes from the committed input offsets.
    "W3fin": """
  sources:
    - {{name: in, topics: [{input}]}}
  processors:
    - {{name: count, type: count, window: {{type: tumbling, size.ms: 60000}}, emit: final, inputs: [in]}}
  sinks:
    - {{name: out, topic: {output}, inputs: [count], key.serde: bytes, value.serde: i64}}
""",
}

# W1, W2 and W3 under `isolation: process`: the same topologies, WordCount's processors (W1,
# W3), Enrich's typed functions (W2) or the closures of Enrich's DSL topology (W2dsl), one
# request per run of records, in an `eddy plugin-host` child per stream thread (issue 22).
TOPOLOGIES["W1iso"] = TOPOLOGIES["W1"]
TOPOLOGIES["W2iso"] = TOPOLOGIES["W2"]
TOPOLOGIES["W2dsliso"] = TOPOLOGIES["W2dsl"]
TOPOLOGIES["W3iso"] = TOPOLOGIES["W3"]

#: Workloads whose plugin runs isolated, and the app-file keys that do it.
ISOLATED = {
    "W1iso": "plugins:\n  WordCount: {isolation: process}\n",
    "W2iso": "plugins:\n  Enrich: {isolation: process}\n",
    "W2dsliso": "plugins:\n  Enrich: {isolation: process}\n",
    "W3iso": "plugins:\n  WordCount: {isolation: process}\n",
}

GUARANTEES = {"alo": "at_least_once", "eos": "exactly_once_v2"}

#: Goals from issue 8, as a fraction of the baseline of the same guarantee.
GOALS = {
    ("W1", "alo"): 0.90, ("W2", "alo"): 0.80, ("W3", "alo"): 0.60,
    ("W1", "eos"): 0.90, ("W2", "eos"): 0.90, ("W3", "eos"): 0.90,
}


@dataclass(frozen=True)
class Case:
    """One row of the table: a workload (or the baseline) under one guarantee."""

    workload: str  # "baseline", "W1", "W2", "W3"
    guarantee: str  # "alo" or "eos"

    @property
    def name(self):
        return f"{self.workload}-{self.guarantee}"

    @property
    def is_baseline(self):
        return self.workload == "baseline"

    def expected_outputs(self, first, count):
        """How many output records inputs first..<first+count produce."""
        if self.workload.startswith("W2"):
            return (first + count) // 2 - first // 2
        if self.workload == "W3fin":
            return 0
        return count

    def command(self, tools, app_id, input_topic, output_topic, settings, broker):
        """The command line of the measured process (the app file, for Eddy, written by the caller).
        The baseline runs as many consume -> produce loops as Eddy runs stream threads, and
        gets the extra consumer and producer properties Eddy's app file gets."""
        if self.is_baseline:
            extra = [f"{client}:{key}={value}" for client, properties in (("consumer", settings.consumer),
                                                                          ("producer", settings.producer))
                     for key, value in properties.items()]
            return [tools.passthrough, broker.bootstrap, input_topic, output_topic, app_id, self.guarantee,
                    str(settings.commit_ms), str(settings.threads), *extra,
                    *([f"wake:{settings.baseline_wake_ms}"] if settings.baseline_wake_ms else [])]
        return [tools.eddy, "run", "--quiet", tools.app_file(app_id)]

    def app_yaml(self, app_id, bootstrap, input_topic, output_topic, threads, commit_ms, plugins_dir, state_dir, kafka):
        kafka = "\n".join(f'  {key}: "{value}"' for key, value in kafka.items())
        topology = TOPOLOGIES[self.workload].format(input=input_topic, output=output_topic)
        return (
            f"application.id: {app_id}\n"
            f"bootstrap.servers: {bootstrap}\n"
            f"processing.guarantee: {GUARANTEES[self.guarantee]}\n"
            f"num.stream.threads: {threads}\n"
            f"commit.interval.ms: {commit_ms}\n"
            f"plugins.dir: {plugins_dir}\n"
            f"state.dir: {state_dir}\n"
            + ISOLATED.get(self.workload, "")
            + f"kafka:\n{kafka}\n"
            f"topology:{topology}")


#: W2's work written as a DSL topology and as one processor, W3 in windows, and W1, W2 and W3
#: with an isolated plugin: run them by name (--cases).
EXTRA_WORKLOADS = ("W2dsl", "W2proc", "W3win", "W3fin", "W1iso", "W2iso", "W2dsliso", "W3iso")


def all_cases(extra=False):
    """Baseline first in each guarantee, so runs alternate baseline and Eddy (A B A B …);
    with `extra`, W2's DSL and processor forms after W2."""
    workloads = ("baseline", "W1", "W2") + (EXTRA_WORKLOADS if extra else ()) + ("W3",)
    return [Case(w, g) for g in ("alo", "eos") for w in workloads]
