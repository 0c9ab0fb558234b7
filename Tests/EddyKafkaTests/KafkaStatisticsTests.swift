import EddyKafka
import EddyTestSupport
import Testing

@Suite struct KafkaStatisticsTests {
    @Test func decodesLagAndGroupState() throws {
        let json = """
            {"name":"rdkafka#consumer-1","client_id":"rdkafka","type":"consumer","ts":123456,"time":1,
             "msg_cnt":0,"tx":10,"rx":12,"txmsgs":0,"rxmsgs":42,
             "brokers":{"127.0.0.1:9092/1":{"name":"127.0.0.1:9092/1","nodeid":1,"state":"UP","outbuf_msg_cnt":0,"rtt":{"avg":250,"p99":900}}},
             "topics":{"t":{"topic":"t","partitions":{
                "0":{"partition":0,"consumer_lag":7,"committed_offset":3,"hi_offset":10,"ls_offset":10,"fetchq_cnt":2,"msgq_cnt":0,"rxmsgs":5,"txmsgs":0},
                "-1":{"partition":-1,"consumer_lag":-1,"committed_offset":-1001,"hi_offset":-1,"ls_offset":-1,"fetchq_cnt":0,"msgq_cnt":0,"rxmsgs":0,"txmsgs":0}}}},
             "cgrp":{"state":"up","join_state":"steady","rebalance_cnt":2,"assignment_size":1}}
            """
        let stats = try Array(json.utf8).withUnsafeBytes { try KafkaStatistics.decode($0) }
        #expect(stats.name == "rdkafka#consumer-1")
        #expect(stats.rxmsgs == 42)
        #expect(stats.consumerLag == [KafkaTopicPartition(topic: "t", partition: 0): 7])
        #expect(stats.cgrp?.rebalance_cnt == 2)
        #expect(stats.brokers["127.0.0.1:9092/1"]?.rtt?.p99 == 900)
        #expect(stats.eos == nil)
    }

    @Test func liveStatisticsArriveFromAProducer() throws {
        let cluster = try KafkaMockCluster()
        let seen = Observed<[String]>([])
        let producer = try KafkaProducer(
            configuration: ["bootstrap.servers": cluster.bootstrapServers, "statistics.interval.ms": "100"],
            onStatistics: { stats in seen.update { $0.append(stats.type) } })
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while seen.value.isEmpty, ContinuousClock.now < deadline { producer.poll(timeout: .milliseconds(100)) }
        #expect(seen.value.first == "producer")
    }
}
