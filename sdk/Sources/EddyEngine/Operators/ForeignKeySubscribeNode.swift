import EddyHost
import EddySDK

/// The left side of a foreign-key join (Kafka Streams' `ForeignJoinSubscriptionSendProcessor`):
/// for each update of the left table, the extractor (a plugin function, or a JSON field of
/// the value) picks the foreign key, and the
/// node sends a subscription (the left key and the hash of its new value) keyed by it —
/// after an unsubscription from the key the entry referred to before, kept per left key in
/// the `foreign-keys` store. A left tombstone unsubscribes and asks for an answer, through
/// which the result is retracted. An entry whose extractor gives no key subscribes nowhere —
/// but in a left join (`propagatesNullForeignKey`), as in Kafka Streams 3.7+ (KIP-962), it
/// sends a subscription with a null key, which the respond step answers with no right value,
/// so the entry is joined with null.
final class ForeignKeySubscribeNode: GraphNode {
    let extractor: KeyPicker
    let foreignKeys: any KeyValueStorage
    let propagatesNullForeignKey: Bool
    private let output = RunBuffer()
    /// The updates with a value (the extractor's input); the keys it picks live in its arena.
    private let extracting = RunBuffer()
    private var scratch: [UInt8] = []
    private var previous: [UInt8] = []

    init(
        name: String, extractor: Topology.Join.KeySelector, foreignKeys: any KeyValueStorage,
        propagatesNullForeignKey: Bool = false, caller: (Topology.PluginFunction) throws -> FunctionCaller
    ) throws {
        self.extractor = try KeyPicker(extractor, arena: extracting.arena, caller: caller)
        self.foreignKeys = foreignKeys
        self.propagatesNullForeignKey = propagatesNullForeignKey
        super.init(name: name)
        self.extractor.attach(to: self)
    }

    override func process(_ run: RecordRun) throws {
        defer {
            extracting.reset()
            output.reset()
        }
        for index in 0..<run.count where run.records[index].value.ptr != nil && run.records[index].key.ptr != nil {
            extracting.append(run.records[index], origin: run.origins[index])
        }
        try extractor.pick(extracting.run)
        var next = 0
        for index in 0..<run.count {
            let record = run.records[index]
            guard let key = record.key.buffer else {
                graph.environment.dropped(
                    origin: run.origins[index], node: name, reason: "a table join drops updates with a null key")
                continue
            }
            let extracted = record.value.ptr != nil && extractor.kept[next]
            let foreignKey = extracted ? extractor.keys[next] : .absent
            if record.value.ptr != nil { next += 1 }
            var hadPrevious = false
            foreignKeys.get(key) { stored in
                previous.removeAll(keepingCapacity: true)
                if let stored {
                    hadPrevious = true
                    previous.append(contentsOf: stored)
                }
            }
            let unchanged = hadPrevious && foreignKey.buffer.map { previous.elementsEqual($0) } == true
            if hadPrevious, !unchanged {
                // A tombstone retracts through the answer; an entry that lost its foreign key
                // retracts an inner result through an answer without a value (a left join
                // answers it through the null-key subscription below instead).
                let instruction: ForeignKeyWire.Instruction =
                    record.value.ptr == nil
                    ? .unsubscribeAndRespond
                    : foreignKey.ptr == nil && extracted && !propagatesNullForeignKey
                        ? .unsubscribeAndRespondWithoutValue : .unsubscribe
                previous.withUnsafeBytes {
                    send(instruction, to: $0, record: record, key: key, origin: run.origins[index])
                }
            }
            if let target = foreignKey.buffer {
                send(.subscribe, to: target, record: record, key: key, origin: run.origins[index])
                if !unchanged { foreignKeys.put(key, target) }
            } else if hadPrevious {
                foreignKeys.delete(key)
            }
            if extracted, foreignKey.ptr == nil, propagatesNullForeignKey {
                send(.subscribe, to: nil, record: record, key: key, origin: run.origins[index])
            }
        }
        try forward(output.run)
    }

    private func send(
        _ instruction: ForeignKeyWire.Instruction, to foreignKey: UnsafeRawBufferPointer?, record: eddy_record,
        key: UnsafeRawBufferPointer,
        origin: Int32
    ) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(instruction.rawValue)
        ForeignKeyWire.appendHash(of: record.value, to: &scratch)
        scratch.append(contentsOf: key)
        var subscription = record
        subscription.headers = nil
        subscription.header_count = 0
        scratch.withUnsafeBytes { value in
            output.append(
                subscription, key: foreignKey.map { eddy_bytes(borrowing: $0) } ?? .absent,
                value: eddy_bytes(borrowing: value),
                origin: origin)
        }
    }

    override var operatorName: String { "foreign-key join subscribe" }
}
