import EddyEngine
import Foundation

extension StreamThread {
    /// Copies what the processors of this thread's tasks recorded through their contexts
    /// into ``ThreadMetrics/pluginMetrics``, at most once a second: the contexts belong to this
    /// thread, the copy is what other threads read. The tasks' own counters (dropped records,
    /// processing time) are copied with them.
    func publishPluginMetricsIfDue() {
        let now = ContinuousClock.now
        guard now - lastPluginMetrics >= .seconds(1) else { return }
        lastPluginMetrics = now
        var collected: [PluginMetric] = []
        for (id, task) in tasks {
            for case let node as ProcessorNode in task.graph.nodes {
                let context = node.instance.context
                for (name, value) in context.counters {
                    collected.append(
                        PluginMetric(
                            kind: .counter, name: name, plugin: node.plugin, processor: node.name, task: id.description,
                            value: Double(value)))
                }
                for (name, value) in context.gauges {
                    collected.append(
                        PluginMetric(
                            kind: .gauge, name: name, plugin: node.plugin, processor: node.name, task: id.description,
                            value: value))
                }
            }
        }
        metrics.pluginMetrics.withLock { $0 = collected }
        let samples = tasks.map { id, task in
            TaskSample(
                task: id.description, dropped: task.droppedRecords, processNanos: task.processNanos,
                enforcedProcessing: task.partitionGroup?.enforcedProcessings ?? 0,
                idleNanos: task.partitionGroup?.idleNanosNow ?? 0,
                stores: task.stores.compactMap { store in store.operationMetrics?.sample(store: store.name) })
        }
        metrics.taskSamples.withLock { $0 = samples.sorted { $0.task < $1.task } }
    }
}
