"""The embedded broker the benchmark runs against, and the questions asked of it."""

import os
import subprocess


class Broker:
    """`eddy-broker` in a child process, driven through its stdin control protocol.

    With several members per group (more than one stream thread or loop), give it an
    initial rebalance delay, as Kafka's `group.initial.rebalance.delay.ms`: members that join
    within it share the first generation, instead of the first taking every partition and a
    second rebalance taking some back while commits are refused.

    Committed group offsets and topics' end offsets are read from the broker's own memory
    (`committed GROUP TOPIC PARTITION`, `end-offset TOPIC PARTITION`), so watching a run's
    progress costs the measured process nothing.
    """

    def __init__(self, binary, eddy, log_path, initial_rebalance_delay_ms=0):
        self.eddy = eddy
        self.log = open(log_path, "w")
        command = [binary, "--group-initial-rebalance-delay-ms", str(initial_rebalance_delay_ms)]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, text=True, bufsize=1)
        line = self.process.stdout.readline().strip()
        prefix = "bootstrap.servers="
        if not line.startswith(prefix):
            raise RuntimeError(f"eddy-broker did not print its {prefix}… line (got {line!r}); see {log_path}")
        self.bootstrap = line[len(prefix):]

    def _ask(self, command):
        self.process.stdin.write(command + "\n")
        answer = self.process.stdout.readline().strip()
        if not answer.startswith("ok"):
            raise RuntimeError(f"eddy-broker answered {answer!r} to {command!r}")
        return answer[2:].strip()

    def committed(self, group, topic, partitions):
        """The sum of the group's committed offsets over the topic's partitions (none: 0)."""
        return sum(max(int(self._ask(f"committed {group} {topic} {p}")), 0) for p in range(partitions))

    def committed_partition(self, group, topic, partition):
        """The group's committed offset of one partition (-1: none)."""
        return int(self._ask(f"committed {group} {topic} {partition}"))

    def end_offsets(self, topic, partitions):
        """The sum of the topic's partitions' end offsets: how many records were appended."""
        return sum(int(self._ask(f"end-offset {topic} {p}")) for p in range(partitions))

    def create_topic(self, name, partitions):
        self._eddy("topic", "create", name, "--partitions", str(partitions))

    def delete_topic(self, name):
        self._eddy("topic", "delete", name, "--if-exists")

    def _eddy(self, *arguments):
        env = dict(os.environ, EDDY_BOOTSTRAP_SERVERS=self.bootstrap)
        result = subprocess.run([self.eddy, *arguments], env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"eddy {' '.join(arguments)} failed: {result.stderr.strip()}")

    def stop(self):
        try:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            self.process.wait(timeout=10)
        except (BrokenPipeError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()
        self.log.close()
