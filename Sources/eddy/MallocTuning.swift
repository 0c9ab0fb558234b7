import CMalloc
import Glibc

/// Keeps glibc's allocator from returning a worker's record memory to the kernel only to
/// map it again a moment later.
///
/// librdkafka's fetcher thread allocates every consumed record and the stream thread frees
/// it, so the fetcher's malloc arena grows and shrinks by tens of megabytes many times a
/// second. With glibc's default top pad (128 KiB) each shrink unmaps a whole arena heap or
/// drops its pages, and each regrowth maps, `mprotect`s and page-faults them in again:
/// measured at about half of the fetcher thread's CPU under W3 (see Benchmarks/README.md).
/// One heap's worth of slack per arena (64 MiB, glibc's per-arena heap size) ends the cycle.
/// The slack is memory the worker just used, so peak RSS grows little (measured: W3 no
/// change, W1 about 40 MB).
enum MallocTuning {
    /// The free memory an arena keeps at its top instead of returning it.
    static let topPad: Int32 = 64 << 20

    /// Applies the tuning unless the operator chose glibc malloc settings of their own
    /// (`GLIBC_TUNABLES=glibc.malloc.…`). Call before the worker starts its threads.
    static func apply() {
        if let tunables = getenv("GLIBC_TUNABLES"), String(cString: tunables).contains("glibc.malloc.") { return }
        mallopt(M_TOP_PAD, topPad)
    }
}
