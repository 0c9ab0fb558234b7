import Foundation
import Testing

@testable import EddyState

@Suite struct StateDirectoryTests {
    @Test func storesLiveAtStateDirApplicationTaskStore() throws {
        try withStateDirectory(applicationId: "wordcount") { state in
            let task = try state.lockTask("1_3")
            defer { task.unlock() }
            let store = try task.openKeyValueStore(kvSpec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { store.close() }
            #expect(store.directory == state.root + "/wordcount/1_3/counts")
            let files = try FileManager.default.contentsOfDirectory(atPath: store.directory!)
            #expect(files.contains("EDDY-STORE"))
            #expect(files.contains("CURRENT"))
            let metadata = try String(contentsOfFile: store.directory! + "/EDDY-STORE", encoding: .utf8)
            #expect(
                metadata == """
                    # Eddy state store metadata: written by Eddy, do not edit
                    format.version=1
                    key.serde=string
                    store.kind=keyValue
                    store.name=counts
                    value.serde=string

                    """)
        }
    }

    @Test func anOwnerWaitingForALockGetsItOnceReleasedAndOnlyThen() throws {
        try withStateDirectory { state in
            let held = try state.lockTask("0_4")
            let started = ContinuousClock.now
            let error = stateError { _ = try state.lockTask("0_4", waitingUpTo: .milliseconds(200)) }
            guard case .taskDirectoryLocked = error else {
                Issue.record("expected a lock error after the wait, got \(String(describing: error))")
                return
            }
            #expect(ContinuousClock.now - started >= .milliseconds(200), "the lock was given up before the wait ended")
            // Released while (or before) another thread waits: the waiter takes it.
            let waiter = LockWaiter(state, "0_4")
            held.unlock()
            #expect(waiter.done.wait(timeout: .now() + 30) == .success, "the waiter did not get the lock within 30 s")
            try waiter.result?.get().unlock()
        }
    }

    @Test func aSecondOwnerOfATaskDirectoryGetsAnErrorNamingTheHolder() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_1")
            let error = stateError { _ = try state.lockTask("0_1") }
            let pid = getpid()
            guard case let .taskDirectoryLocked(directory, holder) = error else {
                Issue.record("expected a lock error, got \(String(describing: error))")
                return
            }
            #expect(directory == state.taskPath("0_1"))
            #expect(holder.hasPrefix("this process (pid \(pid) on host "))
            #expect(
                error!.description.contains(
                    "task directory \(state.taskPath("0_1")) is locked by this process (pid \(pid)"))
            task.unlock()
            let again = try state.lockTask("0_1")
            again.unlock()
        }
    }

    @Test func oneWorkerAtATimeClaimsAStateDirectoryAndKeepsItsIdentityThere() throws {
        try withStateDirectory(applicationId: "wordcount") { state in
            let first = try state.claim()
            #expect(first.instanceId.hasPrefix("eddy-") && first.instanceId.count == 21, "id: \(first.instanceId)")
            let kept = try String(contentsOfFile: state.applicationPath + "/instance.id", encoding: .utf8)
            #expect(kept == first.instanceId + "\n")

            let error = stateError { _ = try state.claim() }
            guard case let .stateDirectoryInUse(directory, holder) = error else {
                Issue.record("expected the directory to be in use, got \(String(describing: error))")
                return
            }
            #expect(directory == state.applicationPath)
            #expect(holder.hasPrefix("this process (pid \(getpid()) on host "))
            #expect(
                error!.description.hasSuffix(
                    "each worker on one machine needs a state.dir of its own: give this one another "
                        + "(`eddy run --state-dir DIR`, or state.dir in its app file)"))

            first.release()
            let restarted = try state.claim()
            #expect(
                restarted.instanceId == first.instanceId, "a worker restarted on its state directory keeps its identity"
            )
            restarted.release()
        }
        let one = try withStateDirectory { try $0.claim().instanceId }
        let other = try withStateDirectory { try $0.claim().instanceId }
        #expect(one != other, "two state directories got one identity")
    }

    @Test func anEmptyInstanceIdFileIsReportedNotReplaced() throws {
        try withStateDirectory { state in
            try FileManager.default.createDirectory(atPath: state.applicationPath, withIntermediateDirectories: true)
            try "\n".write(toFile: state.applicationPath + "/instance.id", atomically: true, encoding: .utf8)
            let error = stateError { _ = try state.claim() }
            #expect(
                error
                    == .corruptMetadata(
                        file: state.applicationPath + "/instance.id",
                        reason: "it holds no instance id; delete it and this state directory gets a new one"))
            // The failed claim let the directory go.
            try FileManager.default.removeItem(atPath: state.applicationPath + "/instance.id")
            try state.claim().release()
        }
    }

    @Test func aLockHeldByAnotherProcessNamesItsPidAndDiesWithIt() throws {
        try withStateDirectory { state in
            try FileManager.default.createDirectory(atPath: state.taskPath("0_2"), withIntermediateDirectories: true)
            let lockFile = state.taskPath("0_2") + "/.lock"
            let holder = Process()
            holder.executableURL = URL(fileURLWithPath: "/bin/sh")
            holder.arguments = [
                "-c",
                "exec 9>>'\(lockFile)'; flock -x 9; echo \"pid $$ on host elsewhere\" > '\(lockFile)'; exec sleep 60",
            ]
            try holder.run()
            defer {
                if holder.isRunning { kill(holder.processIdentifier, SIGKILL) }
                holder.waitUntilExit()
            }
            let deadline = Date().addingTimeInterval(10)
            while (try? String(contentsOfFile: lockFile, encoding: .utf8))?.hasPrefix("pid") != true {
                if Date() > deadline {
                    Issue.record("the helper process did not take the lock within 10 s")
                    return
                }
                usleep(10_000)
            }
            let error = stateError { _ = try state.lockTask("0_2") }
            #expect(
                error
                    == .taskDirectoryLocked(
                        directory: state.taskPath("0_2"), holder: "pid \(holder.processIdentifier) on host elsewhere"))
            kill(holder.processIdentifier, SIGKILL)
            holder.waitUntilExit()
            let task = try state.lockTask("0_2")
            task.unlock()
        }
    }

    /// A table's store written before tables kept timestamps (`value.serde=string`) is not
    /// read as `timestamped:string`: the refusal says to delete it so it restores in the new layout.
    @Test func aTableStoreInThePlainLayoutIsRefusedWithTheFix() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let budget = RecordCacheBudget(maxBytes: 1 << 20)
            let store = try task.openKeyValueStore(kvSpec(valueSerde: "string"), cacheBudget: budget)
            store.put("a", "1")
            try store.commit(checkpoint: [testPartition: 1])
            store.close()
            let path = task.storePath("counts")
            let refusal = stateError {
                _ = try task.openKeyValueStore(kvSpec(valueSerde: "timestamped:string"), cacheBudget: budget)
            }
            #expect(refusal == .plainTableLayout(directory: path, valueSerde: "string"))
            #expect(refusal.map { "\($0)" }?.contains("delete the directory") == true)
            let reopened = try task.openKeyValueStore(kvSpec(valueSerde: "string"), cacheBudget: budget)
            reopened.close()
        }
    }

    /// An aggregation's store written before aggregations kept timestamps (`value.serde=i64`,
    /// a count's) is refused by the same check, with the fix that also replaces its plain
    /// changelog: resetting the application.
    @Test func anAggregationStoreInThePlainLayoutIsRefusedWithTheFix() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let budget = RecordCacheBudget(maxBytes: 1 << 20)
            let store = try task.openKeyValueStore(kvSpec(keySerde: "bytes", valueSerde: "i64"), cacheBudget: budget)
            try store.commit(checkpoint: [testPartition: 0])
            store.close()
            let path = task.storePath("counts")
            let refusal = stateError {
                _ = try task.openKeyValueStore(
                    kvSpec(keySerde: "bytes", valueSerde: "timestamped:i64"), cacheBudget: budget)
            }
            #expect(refusal == .plainTableLayout(directory: path, valueSerde: "i64"))
            #expect(
                refusal.map { "\($0)" }
                    == "store at \(path) keeps values without their timestamps (value.serde 'i64'), as Eddy did "
                    + "before the stores of tables and aggregations kept each value's timestamp ('timestamped:i64'); "
                    + "its changelog holds the same plain values, so stop the workers and reset the application "
                    + "(`eddy app reset app.yaml`): the next run rebuilds the store in the new layout from the input "
                    + "(a table read from its source topic is rebuilt too if you stop the worker and delete the "
                    + "directory: it is restored with timestamps from the topic)")
        }
    }

    @Test func aChangedSerdeKindOrSegmentIntervalIsRefused() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let budget = RecordCacheBudget(maxBytes: 1 << 20)
            let store = try task.openKeyValueStore(kvSpec(valueSerde: "string"), cacheBudget: budget)
            store.put("a", "1")
            try store.commit(checkpoint: [testPartition: 1])
            store.close()
            let path = task.storePath("counts")

            #expect(
                stateError { _ = try task.openKeyValueStore(kvSpec(valueSerde: "long"), cacheBudget: budget) }
                    == .incompatibleStore(directory: path, field: "value.serde", onDisk: "string", declared: "long"))
            #expect(
                stateError { _ = try task.openKeyValueStore(kvSpec(keySerde: "bytes"), cacheBudget: budget) }
                    == .incompatibleStore(directory: path, field: "key.serde", onDisk: "string", declared: "bytes"))
            let window = StoreSpec(
                name: "counts", kind: .window(retentionMs: 1000, segmentIntervalMs: 500), keySerde: "string",
                valueSerde: "string")
            #expect(
                stateError { _ = try task.openWindowStore(window, cacheBudget: budget) }
                    == .incompatibleStore(directory: path, field: "store.kind", onDisk: "keyValue", declared: "window"))

            let windows = StoreSpec(
                name: "windows", kind: .window(retentionMs: 1000, segmentIntervalMs: 500), keySerde: "string",
                valueSerde: "long")
            try task.openWindowStore(windows, cacheBudget: budget).close()
            var resegmented = windows
            resegmented.kind = .window(retentionMs: 1000, segmentIntervalMs: 250)
            #expect(
                stateError { _ = try task.openWindowStore(resegmented, cacheBudget: budget) }
                    == .incompatibleStore(
                        directory: task.storePath("windows"), field: "window.segment.ms", onDisk: "500", declared: "250"
                    ))
            var longerRetention = windows
            longerRetention.kind = .window(retentionMs: 5000, segmentIntervalMs: 500)
            try task.openWindowStore(longerRetention, cacheBudget: budget).close()

            let reopened = try task.openKeyValueStore(kvSpec(valueSerde: "string"), cacheBudget: budget)
            defer { reopened.close() }
            #expect(try reopened.get("a") == "1")
        }
    }

    @Test func aForeignDirectoryIsRefusedAndLeftUntouched() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let path = task.storePath("counts")
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try Data("precious".utf8).write(to: URL(fileURLWithPath: path + "/notes.txt"))
            let error = stateError {
                _ = try task.openKeyValueStore(kvSpec(), cacheBudget: RecordCacheBudget(maxBytes: 1024))
            }
            #expect(error == .foreignDirectory(directory: path, found: ["notes.txt"]))
            #expect(try FileManager.default.contentsOfDirectory(atPath: path) == ["notes.txt"])
            #expect(try String(contentsOfFile: path + "/notes.txt", encoding: .utf8) == "precious")
        }
    }

    @Test func corruptMetadataOrACorruptDatabaseIsAClearError() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let budget = RecordCacheBudget(maxBytes: 1024)
            try task.openKeyValueStore(kvSpec(), cacheBudget: budget).close()
            let path = task.storePath("counts")

            let metadata = try String(contentsOfFile: path + "/EDDY-STORE", encoding: .utf8)
            try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: path + "/EDDY-STORE"))
            #expect(
                stateError { _ = try task.openKeyValueStore(kvSpec(), cacheBudget: budget) }
                    == .corruptMetadata(
                        file: path + "/EDDY-STORE", reason: "the first line is not Eddy's metadata header"))
            try Data(metadata.replacingOccurrences(of: "format.version=1", with: "format.version=9").utf8)
                .write(to: URL(fileURLWithPath: path + "/EDDY-STORE"))
            #expect(
                stateError { _ = try task.openKeyValueStore(kvSpec(), cacheBudget: budget) }
                    == .corruptMetadata(
                        file: path + "/EDDY-STORE", reason: "format version 9 is not 1, the one this Eddy reads"))
            try Data(metadata.utf8).write(to: URL(fileURLWithPath: path + "/EDDY-STORE"))

            try Data("MANIFEST-999999\n".utf8).write(to: URL(fileURLWithPath: path + "/CURRENT"))
            let error = stateError { _ = try task.openKeyValueStore(kvSpec(), cacheBudget: budget) }
            guard case let .rocksDB(operation, directory, message) = error else {
                Issue.record("expected a RocksDB error, got \(String(describing: error))")
                return
            }
            #expect(operation == "open")
            #expect(directory == path)
            #expect(message.contains("MANIFEST-999999"))
            #expect(
                message.hasSuffix("(if the store is damaged, delete its directory to rebuild it from its changelog)"))
        }
    }

    @Test func aStoreOpenTwiceIsAClearError() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let budget = RecordCacheBudget(maxBytes: 1024)
            let first = try task.openKeyValueStore(kvSpec(), cacheBudget: budget)
            defer { first.close() }
            let error = stateError { _ = try task.openKeyValueStore(kvSpec(), cacheBudget: budget) }
            guard case let .rocksDB(operation, directory, message) = error else {
                Issue.record("expected a RocksDB error, got \(String(describing: error))")
                return
            }
            #expect(operation == "open")
            #expect(directory == task.storePath("counts"))
            #expect(message.hasSuffix("(the store is already open: close the other instance first)"))
        }
    }

    @Test func aStateDirThatCannotBeCreatedIsAClearError() throws {
        try withStateDirectory { state in
            // A regular file where the application directory should be.
            try FileManager.default.createDirectory(atPath: state.root, withIntermediateDirectories: true)
            try Data("not a directory".utf8).write(to: URL(fileURLWithPath: state.applicationPath))
            let error = stateError { _ = try state.lockTask("0_0") }
            #expect(error == .io(operation: "create directory", path: state.taskPath("0_0"), errno: ENOTDIR))
            #expect(
                error!.description == "create directory \(state.taskPath("0_0")) failed: Not a directory (errno 20)")
        }
    }

    @Test func namesThatCannotBeDirectoriesAreRefused() throws {
        try withStateDirectory { state in
            #expect(
                stateError { _ = try state.lockTask("../0_0") }
                    == .invalidArgument(
                        store: "../0_0",
                        reason: "task id '../0_0' cannot name a directory: use a non-empty name without '/'"))
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            #expect(
                stateError { _ = try task.openKeyValueStore(kvSpec(""), cacheBudget: RecordCacheBudget(maxBytes: 1)) }
                    == .invalidArgument(
                        store: "", reason: "store name '' cannot name a directory: use a non-empty name without '/'"))
        }
    }
}

/// Takes a task lock on another thread, waiting for it up to 30 s.
private final class LockWaiter: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private(set) var result: Result<TaskStateDirectory, any Error>?

    init(_ state: StateDirectory, _ task: String) {
        DispatchQueue.global().async { [self] in
            result = Result { try state.lockTask(task, waitingUpTo: .seconds(30)) }
            done.signal()
        }
    }
}
