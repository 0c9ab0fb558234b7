import EddyKafka
import EddyRuntime
import EddyTestSupport
import Testing

/// Word count over a known text on 6 partitions, split → repartition by word → count, the
/// way Kafka Streams' WordCountDemo does it: the exact output under both guarantees.
@Suite struct WordCountTests {
    @Test(arguments: ["at_least_once", "exactly_once_v2"])
    func exactCountsPerWord(guarantee: String) throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        let input = WordCountCase(lines: 600)
        try cluster.produce("text-input", lines: input.lines, partitions: 6)
        let dir = TemporaryDirectory()
        // At-least-once is exact only when no rebalance races a commit (a skipped commit means
        // records processed again), so it runs on one stream thread; exactly-once runs on two
        // and stays exact through the threads' start-up rebalance. WorkerGroupTests covers
        // at-least-once losing nothing across rebalances.
        let exactlyOnce = guarantee == "exactly_once_v2"
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("wc"), cluster: cluster, guarantee: guarantee, threads: exactlyOnce ? 2 : 1,
                stateDir: dir.path,
                extra: "commit.interval.ms: 200",
                topology: WordCountCase.topology),
            file: "app.yaml")

        var output: [KafkaConsumerRecord] = []
        try runWorker(config) {
            output = try cluster.read("word-counts", count: input.outputCount)
        }
        #expect(output.count == 2400)
        #expect(WordCountCase.render(output) == input.expected)
    }
}
