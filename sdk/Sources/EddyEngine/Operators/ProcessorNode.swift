import EddyHost
import EddySDK

/// A node running a plugin processor (the Processor API): its instance gets the run's
/// records one by one; what it forwards is collected and sent on as one run per child
/// once the run is done. A record forwarded unchanged keeps its bytes where they are.
public final class ProcessorNode: GraphNode {
    /// The plugin's name in the topology (its file name, e.g. `WordCount`).
    public let plugin: String
    public let processor: String
    /// The processor config as the topology gives it.
    public let config: [String: String]
    /// The live instance; a hot reload replaces it.
    public private(set) var instance: ProcessorInstance
    /// Records the instance processed since it was installed.
    public private(set) var processed = 0
    private let output = RunBuffer()
    /// Per collected record, the index of the child it goes to (-1: every child).
    private var targets: [Int32] = []
    private var anyTargeted = false
    private let childScratch = RunBuffer()
    /// The run and record being processed, for forwards.
    private var input: RecordRun?
    private var origin: Int32 = -1
    /// Where in `input` the current whole-run call started (``recordStarted(at:)`` counts from it).
    private var wholeRunStart = 0
    /// What a worker's crash handler says when the plugin crashes it (``PluginCallNote``).
    private let crashNote: PluginCallNote.Note

    init(
        name: String, plugin: String, processor: String, config: [String: String], description: PluginDescription,
        taskId: String, applicationId: String, stores: [String: HostStore], environment: TaskEnvironment
    ) throws {
        self.plugin = plugin
        self.processor = processor
        self.config = config
        self.crashNote = PluginCallNote.make(
            " in plugin \(plugin) (processor \(processor), node \(name)) — the worker stops; run the plugin with `plugins: {\(plugin): {isolation: process}}` to survive its crashes\n"
        )
        self.instance = try Self.makeInstance(
            processor, config: config, description: description, taskId: taskId, applicationId: applicationId,
            stores: stores,
            environment: environment)
        super.init(name: name)
        (instance.context as! ProcessorNodeContext).node = self
    }

    /// Creates (`init`) an instance of `processor` of the plugin `description` over the
    /// task's stores; its context is not yet attached to a node.
    static func makeInstance(
        _ processor: String, config: [String: String], description: PluginDescription, taskId: String,
        applicationId: String,
        stores: [String: HostStore], environment: TaskEnvironment
    ) throws -> ProcessorInstance {
        guard let processorDescription = description.processor(named: processor) else {
            throw GraphError("plugin \(description.name) \(description.version) has no processor '\(processor)'")
        }
        let resolved = try ConfigResolver.resolve(config, for: processor, declared: processorDescription.config)
        let context = ProcessorNodeContext(
            taskId: taskId, applicationId: applicationId, config: resolved,
            stores: processorDescription.stores.compactMap { stores[$0.name] }, environment: environment)
        let instance = try ProcessorInstance(processor: processorDescription.entry, context: context)
        instance.takesWholeRuns = description.runsIsolated
        return instance
    }

    public override func process(_ run: RecordRun) throws {
        input = run
        defer { input = nil }
        if instance.takesWholeRuns { return try processWhole(run) }
        let outerNote = PluginCallNote.enter(crashNote)
        defer { PluginCallNote.leave(outerNote) }
        // Held once per run: read through `self` per record, the instance and the graph were
        // retained and released around every record (the plugin call is opaque to Swift).
        let instance = self.instance
        let context = instance.context
        let graph = self.graph!
        for index in 0..<run.count {
            origin = run.origins[index]
            context.streamTime = graph.streamTime(at: origin)
            graph.recordStreamTime = context.streamTime
            processed &+= 1
            switch instance.process(run[index]) {
            case .ok:
                continue
            case .rejected(let reason):
                try graph.reject(origin: origin, reason: reason, node: name, plugin: plugin)
            case .failed(let reason):
                throw NodeFailure(node: name, plugin: plugin, taskId: graph.taskId, reason: reason)
            }
        }
        origin = -1
        graph.recordStreamTime = graph.streamTime
        try deliver()
    }

    /// The run in as few calls as the instance allows (one, unless it rejects records): for an
    /// isolated plugin, whose instance is a proxy that ships the run to its process. The proxy
    /// reports which record each host call belongs to (``recordStarted(at:)``), so forwards keep
    /// their origin and the plugin reads each record's stream time, as record by record.
    private func processWhole(_ run: RecordRun) throws {
        var start = 0
        while start < run.count {
            wholeRunStart = start
            recordStarted(at: 0)
            let (done, outcome) = instance.process(batch: run.records + start, count: run.count - start)
            processed &+= done
            switch outcome {
            case .ok:
                start = run.count
            case .rejected(let reason):
                processed &+= 1
                try graph.reject(origin: run.origins[start + done], reason: reason, node: name, plugin: plugin)
                start += done + 1
            case .failed(let reason):
                throw NodeFailure(node: name, plugin: plugin, taskId: graph.taskId, reason: reason)
            }
        }
        origin = -1
        graph.recordStreamTime = graph.streamTime
        try deliver()
    }

    /// The whole-run call reached record `index` of it: host calls now belong to that record.
    func recordStarted(at index: Int) {
        guard let input, wholeRunStart + index < input.count else { return }
        origin = input.origins[wholeRunStart + index]
        instance.context.streamTime = graph.streamTime(at: origin)
        graph.recordStreamTime = instance.context.streamTime
    }

    /// Fires the instance's punctuations of `type` due at `now`; returns how many fired.
    func punctuate(_ type: PunctuationType, now: Int64) throws -> Int {
        origin = -1
        instance.context.streamTime = graph.streamTime
        let outerNote = PluginCallNote.enter(instance.takesWholeRuns ? nil : crashNote)
        let fired = instance.punctuate(type, now: now)
        PluginCallNote.leave(outerNote)
        for (_, outcome) in fired {
            switch outcome {
            case .ok: continue
            case .rejected(let reason), .failed(let reason):
                throw GraphError("punctuation of \(name) (plugin \(plugin)) in task \(graph.taskId) failed: \(reason)")
            }
        }
        try deliver()
        return fired.count
    }

    public override func close() {
        instance.close()
    }

    deinit { PluginCallNote.release(crashNote) }

    /// Installs `instance` (of a new build) and returns the one it replaces, not yet closed,
    /// with the number of records that one processed.
    public func replace(with instance: ProcessorInstance) -> (old: ProcessorInstance, processed: Int) {
        (instance.context as! ProcessorNodeContext).node = self
        defer {
            self.instance = instance
            processed = 0
        }
        return (self.instance, processed)
    }

    // MARK: - Forwards

    /// A forward of the instance (from its context): collected for delivery after the run.
    func forwarded(_ record: UnsafePointer<eddy_record>, to child: UnsafePointer<CChar>?) -> eddy_status {
        var target: Int32 = -1
        if let child {
            let childName = String(cString: child)
            guard let index = children.firstIndex(where: { $0.name == childName }) else {
                instance.context.setError(
                    "forward: \(name) has no child '\(childName)' (children: \(children.map(\.name).sorted().joined(separator: ", ")))"
                )
                return eddy_status(EDDY_INVALID_ARGUMENT)
            }
            target = Int32(index)
            anyTargeted = true
        }
        if let input, input.index(of: record) != nil {
            output.append(record.pointee, origin: origin)
        } else {
            let pointee = record.pointee
            output.appendCopy(of: pointee, key: pointee.key, value: pointee.value, origin: origin)
        }
        targets.append(target)
        return eddy_status(EDDY_OK)
    }

    /// Sends what was collected to the children (each child its own records when the
    /// instance forwarded to named children), then empties the buffer.
    private func deliver() throws {
        defer {
            output.reset()
            targets.removeAll(keepingCapacity: true)
            anyTargeted = false
        }
        guard output.count > 0 else { return }
        let outer = graph.deliveringPlugin
        graph.deliveringPlugin = plugin
        defer { graph.deliveringPlugin = outer }
        let run = output.run
        guard anyTargeted else { return try forward(run) }
        for (index, child) in children.enumerated() {
            childScratch.reset()
            for position in 0..<run.count where targets[position] == -1 || targets[position] == Int32(index) {
                childScratch.append(run.records[position], origin: run.origins[position])
            }
            if childScratch.count > 0 { try child.process(childScratch.run) }
        }
        childScratch.reset()
    }
}

/// The host side of a processor instance inside a task graph: forwards go to its node;
/// the wall clock and logs are the environment's.
final class ProcessorNodeContext: HostContext {
    /// The node, which owns the instance and this context (unowned and unchecked: reached on
    /// every emit or forward, where it is used without a retain).
    var node: ProcessorNode? {
        get { unmanagedNode?.takeUnretainedValue() }
        set { unmanagedNode = newValue.map { Unmanaged.passUnretained($0) } }
    }
    private var unmanagedNode: Unmanaged<ProcessorNode>?
    unowned let environment: TaskEnvironment

    init(
        taskId: String, applicationId: String, config: [String: String], stores: [HostStore],
        environment: TaskEnvironment
    ) {
        self.environment = environment
        super.init(taskId: taskId, applicationId: applicationId, config: config, stores: stores)
    }

    override func forward(_ record: UnsafePointer<eddy_record>, to child: UnsafePointer<CChar>?) -> eddy_status {
        guard let node = unmanagedNode else {
            setError("forward outside the task graph (during init or after close)")
            return eddy_status(EDDY_UNSUPPORTED)
        }
        return node._withUnsafeGuaranteedRef { $0.forwarded(record, to: child) }
    }

    override func recordStarted(at index: Int) {
        node?.recordStarted(at: index)
    }

    override var wallClockTime: Int64 { environment.wallClockTime }

    override func log(_ level: LogLevel, _ message: String) {
        environment.log(level, message, node: node?.name ?? "(initializing)")
    }
}
