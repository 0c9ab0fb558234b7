import EddySDK

/// The records and store entries of a foreign-key join, as its internal topics and stores
/// hold them (all big-endian):
///
/// - a subscription, keyed by the foreign key: `[instruction: 1][left value hash: 9][left key]`;
/// - a subscription store entry: key `[foreign key length: 4][foreign key][left key]` (so a
///   prefix scan finds a right key's subscribers), value the hash;
/// - a response, keyed by the left key: `[left value hash: 9][right present: 1][right value]`.
///
/// The hash of a left value is `[1][FNV-1a 64]`, or nine zero bytes for no value: a response
/// carrying another hash than the left value's current one answers an older subscription.
enum ForeignKeyWire {
    /// What a subscription asks of the right side.
    enum Instruction: UInt8 {
        /// Forget the subscription (the left entry now refers to another key).
        case unsubscribe = 0
        /// Keep the subscription and answer with the right value.
        case subscribe = 1
        /// Forget the subscription and answer, so the left side retracts its result (a left tombstone).
        case unsubscribeAndRespond = 2
        /// Forget the subscription and answer with no right value: the left entry lost its
        /// foreign key, so an inner join retracts its result (Kafka Streams' `DELETE_KEY_AND_PROPAGATE`).
        case unsubscribeAndRespondWithoutValue = 3
    }

    static let hashSize = 9

    /// Appends the hash of `value` (absent: no value).
    static func appendHash(of value: eddy_bytes, to bytes: inout [UInt8]) {
        guard let pointer = value.ptr else { return bytes.append(contentsOf: repeatElement(0, count: hashSize)) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for index in 0..<value.len { hash = (hash ^ UInt64(pointer[index])) &* 0x0000_0100_0000_01b3 }
        bytes.append(1)
        appendInteger(hash, to: &bytes)
    }

    static func appendInteger<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// The subscription store's key prefix of `foreignKey`, then `leftKey` when given.
    static func subscriptionKey(
        _ foreignKey: UnsafeRawBufferPointer, leftKey: UnsafeRawBufferPointer?, into bytes: inout [UInt8]
    ) {
        bytes.removeAll(keepingCapacity: true)
        appendInteger(UInt32(foreignKey.count), to: &bytes)
        bytes.append(contentsOf: foreignKey)
        if let leftKey { bytes.append(contentsOf: leftKey) }
    }
}
