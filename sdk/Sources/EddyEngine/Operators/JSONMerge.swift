import EddySDK

/// The application file's joiner: `{"left":<left value>,"right":<right value>}`, each value's
/// JSON bytes as they are (the sources checked them), `null` for a missing side.
enum JSONMerge {
    private static let open = Array(#"{"left":"#.utf8)
    private static let middle = Array(#","right":"#.utf8)
    private static let null = Array("null".utf8)

    /// The merged value, in `arena`.
    static func merge(left: eddy_bytes, right: eddy_bytes, into arena: ByteArena) -> eddy_bytes {
        let leftCount = left.ptr == nil ? null.count : left.len
        let rightCount = right.ptr == nil ? null.count : right.len
        let total = open.count + leftCount + middle.count + rightCount + 1
        let target = arena.allocate(total)
        var at = 0
        func put(_ bytes: [UInt8]) {
            bytes.withUnsafeBytes { (target + at).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            at += bytes.count
        }
        func put(_ value: eddy_bytes) {
            guard let pointer = value.ptr else { return put(null) }
            if value.len > 0 { (target + at).copyMemory(from: pointer, byteCount: value.len) }
            at += value.len
        }
        put(open)
        put(left)
        put(middle)
        put(right)
        target.storeBytes(of: UInt8(ascii: "}"), toByteOffset: at, as: UInt8.self)
        return eddy_bytes(ptr: target.assumingMemoryBound(to: UInt8.self), len: total)
    }
}
