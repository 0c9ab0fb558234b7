import EddyHost
import EddySDK

/// The right side of a foreign-key join (Kafka Streams' `SubscriptionReceiveProcessor` and
/// `ForeignTableJoinProcessorSupplier`): subscriptions (the left input, keyed by the foreign
/// key) are kept in the subscription store or forgotten, and answered with the right table's
/// current value; every update of the right table (the right input, already in its store)
/// answers all subscribers of its key. Answers are keyed by the left key and carry the hash
/// the subscription came with. A subscription with a null key (a left join's entry without a
/// foreign key) is answered at once with no right value and kept nowhere.
final class ForeignKeyRespondNode: JoinNode {
    let subscriptions: any KeyValueStorage
    let right: TableStore
    private var storeKey: [UInt8] = []
    private var response: [UInt8] = []

    init(name: String, leftParent: String, subscriptions: any KeyValueStorage, right: TableStore) {
        self.subscriptions = subscriptions
        self.right = right
        super.init(name: name, type: .inner, leftParent: leftParent, joiner: nil)
    }

    override func processLeft(_ run: RecordRun) throws {
        defer { output.reset() }
        for index in 0..<run.count {
            let record = run.records[index]
            guard let value = record.value.buffer, value.count >= 1 + ForeignKeyWire.hashSize,
                let instruction = ForeignKeyWire.Instruction(rawValue: value[0]),
                record.key.ptr != nil || instruction == .subscribe
            else {
                graph.environment.dropped(
                    origin: run.origins[index], node: name, reason: "not a foreign-key join subscription")
                continue
            }
            let hash = UnsafeRawBufferPointer(rebasing: value[1..<1 + ForeignKeyWire.hashSize])
            let leftKey = UnsafeRawBufferPointer(rebasing: value[(1 + ForeignKeyWire.hashSize)...])
            guard let foreignKey = record.key.buffer else {
                respond(to: leftKey, hash: hash, right: nil, record: record, origin: run.origins[index])
                continue
            }
            ForeignKeyWire.subscriptionKey(foreignKey, leftKey: leftKey, into: &storeKey)
            storeKey.withUnsafeBytes { storeKey in
                if instruction == .subscribe {
                    subscriptions.put(storeKey, hash)
                } else {
                    subscriptions.delete(storeKey)
                }
            }
            guard instruction != .unsubscribe else { continue }
            guard instruction != .unsubscribeAndRespondWithoutValue else {
                respond(to: leftKey, hash: hash, right: nil, record: record, origin: run.origins[index])
                continue
            }
            right.get(foreignKey) { rightValue, _ in
                respond(to: leftKey, hash: hash, right: rightValue, record: record, origin: run.origins[index])
            }
        }
        try forward(output.run)
    }

    override func processRight(_ run: RecordRun) throws {
        defer { output.reset() }
        for index in 0..<run.count {
            let record = run.records[index]
            guard let foreignKey = record.key.buffer else { continue }
            ForeignKeyWire.subscriptionKey(foreignKey, leftKey: nil, into: &storeKey)
            let prefixLength = storeKey.count
            let subscribers = subscriptions.prefixScan(storeKey)
            while let subscriber = subscribers.next() {
                subscriber.key.withUnsafeBytes { key in
                    subscriber.value.withUnsafeBytes { hash in
                        respond(
                            to: UnsafeRawBufferPointer(rebasing: key[prefixLength...]), hash: hash,
                            right: record.value.buffer, record: record,
                            origin: run.origins[index])
                    }
                }
            }
        }
        try forward(output.run)
    }

    private func respond(
        to leftKey: UnsafeRawBufferPointer, hash: UnsafeRawBufferPointer, right: UnsafeRawBufferPointer?,
        record: eddy_record, origin: Int32
    ) {
        response.removeAll(keepingCapacity: true)
        response.append(contentsOf: hash)
        response.append(right == nil ? 0 : 1)
        if let right { response.append(contentsOf: right) }
        var answer = record
        answer.headers = nil
        answer.header_count = 0
        response.withUnsafeBytes { value in
            output.append(
                answer, key: eddy_bytes(borrowing: leftKey), value: eddy_bytes(borrowing: value), origin: origin)
        }
    }

    override var operatorName: String { "foreign-key join respond" }
}
