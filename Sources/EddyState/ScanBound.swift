/// Where a scan stops: never, after an inclusive upper key, or at the end of a key prefix.
enum ScanBound {
    case unbounded
    case through(UnsafeRawBufferPointer)
    case prefix(UnsafeRawBufferPointer)

    @inline(__always)
    func admits(_ key: UnsafeRawBufferPointer) -> Bool {
        switch self {
        case .unbounded: return true
        case .through(let last): return compareBytes(key, last) <= 0
        case .prefix(let prefix): return hasBytePrefix(key, prefix)
        }
    }
}
