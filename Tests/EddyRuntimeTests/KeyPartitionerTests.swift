import EddyRuntime
import Testing

/// `KeyPartitioner` against the murmur2 vectors of Kafka's own tests (`UtilsTest.testMurmur2`)
/// and librdkafka's, and the positive-modulo step of Kafka's default partitioner.
@Suite struct KeyPartitionerTests {
    @Test func murmur2MatchesKafkasVectors() {
        let vectors: [(String, Int32)] = [
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            ("abc", 479_470_107),
            ("1", -1_993_445_489),
            ("12", 126_087_238),
            ("123", -267_702_483),
            ("1234", -1_614_185_708),
            ("12345", -1_188_365_604),
        ]
        for (key, hash) in vectors {
            #expect(KeyPartitioner.murmur2(Array(key.utf8)) == hash, "murmur2(\(key))")
        }
    }

    @Test func partitionIsThePositiveHashModuloTheCount() {
        // -973932308 & 0x7fffffff = 1173551340; mod 6 = 0, mod 7 = 3.
        #expect(KeyPartitioner.partition(of: Array("21".utf8), partitionCount: 6) == 0)
        #expect(KeyPartitioner.partition(of: Array("21".utf8), partitionCount: 7) == 3)
        // 479470107 mod 10 = 7.
        #expect(KeyPartitioner.partition(of: Array("abc".utf8), partitionCount: 10) == 7)
        #expect(KeyPartitioner.partition(of: [UInt8](), partitionCount: 1) == 0)
    }
}
