#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Creates `path` and its missing parents (`mkdir -p`), throwing the system's reason.
func createDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        current += "/" + component
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw StateStoreError.io(operation: "create directory", path: current, errno: errno)
        }
    }
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw StateStoreError.io(operation: "create directory", path: path, errno: errno)
    }
    guard (info.st_mode & S_IFMT) == S_IFDIR else {
        throw StateStoreError.io(operation: "create directory", path: path, errno: ENOTDIR)
    }
}
