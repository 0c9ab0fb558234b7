import EddySDK
import EddyTestKit
import Testing

/// One processing-error contract in the host and in `EddyTestKit`: `EDDY_REJECT`
/// (`ProcessorError.reject`) goes to the error policy (dead letter, skip, or fail), while
/// `EDDY_ERROR` (`ProcessorError.fail`) fails the task whatever the policy says — from a
/// processor and from a Streams DSL closure alike.
@Suite struct ProcessingErrorContractTests {
    /// Rejects "bad", fails on "boom" — once in a filter closure, once in a processor.
    enum Contract: Plugin {
        static let name = "contract"
        static let version = "1.0.0"

        static func topology(_ builder: StreamsBuilder) {
            builder.stream("lines", key: .string, value: .string)
                .filter { _, line in
                    if line == "bad" { throw ProcessorError.reject("bad line") }
                    if line == "closure-boom" { throw ProcessorError.fail("the closure broke") }
                    return true
                }
                .process(Strict.self, key: .string, value: .string, named: "strict")
                .to("out")
        }
    }

    struct Strict: Processor {
        static let name = "strict"
        let context: ProcessorContext

        init(context: ProcessorContext) throws { self.context = context }

        mutating func process(_ record: Record) throws {
            if try record.value(.string) == "boom" { throw ProcessorError.fail("the processor broke") }
            try context.forward(record)
        }
    }

    @Test(arguments: [TopologyTestDriver.ErrorPolicy.deadLetter, .logAndContinue, .fail])
    func errorFailsTheTaskWhateverThePolicy(policy: TopologyTestDriver.ErrorPolicy) throws {
        let driver = try TopologyTestDriver(Contract.self, errorPolicy: policy)
        let lines = driver.inputTopic("lines", key: .string, value: .string)
        #expect(throws: TestDriverError.failed(processor: "strict", message: "the processor broke")) {
            try lines.pipe(key: "k", value: "boom")
        }
        #expect(throws: TestDriverError.failed(processor: "KSTREAM-FILTER-0000000001", message: "the closure broke")) {
            try lines.pipe(key: "k", value: "closure-boom")
        }
    }

    @Test func rejectFollowsThePolicy() throws {
        let driver = try TopologyTestDriver(Contract.self, errorPolicy: .deadLetter)
        let lines = driver.inputTopic("lines", key: .string, value: .string)
        try lines.pipe(key: "k", value: "bad", timestamp: 1)
        try lines.pipe(key: "k", value: "fine", timestamp: 2)
        #expect(driver.deadLetters.map(\.reason) == ["bad line"])
        #expect(
            try driver.outputTopic("out", key: .string, value: .string).readRecords() == [
                TestRecord(key: "k", value: "fine", timestamp: 2)
            ])
        let failing = try TopologyTestDriver(Contract.self, errorPolicy: .fail)
        #expect(throws: TestDriverError.failed(processor: "KSTREAM-FILTER-0000000001", message: "bad line")) {
            try failing.inputTopic("lines", key: .string, value: .string).pipe(key: "k", value: "bad")
        }
    }
}
