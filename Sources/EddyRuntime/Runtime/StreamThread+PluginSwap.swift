import EddyEngine
import EddyHost
import EddyPlugins

// Hot reload on the stream thread: every task moves to a new plugin build at a commit boundary.
extension StreamThread {
    /// Asks the thread to move its tasks to another build at its next commit boundary.
    func requestSwap(_ swap: PluginSwap) { swaps.withLock { $0.append(swap) } }

    /// Commits (transaction committed, caches written, nothing in flight), then replaces every
    /// instance of the plugin: all new instances are initialised first, and only when every
    /// one succeeded are the old ones closed. No offset moves and the consumer is untouched,
    /// so no rebalance happens.
    func perform(_ swap: PluginSwap) throws {
        let started = ContinuousClock.now
        let name = swap.candidate.name
        do {
            try commitOrRecover()
        } catch {
            swap.finish(.failure(ReloadError(plugin: name, reason: "the commit before the swap failed: \(error)")))
            throw error
        }
        var prepared: [(task: StreamTask, reload: PreparedReload)] = []
        do {
            for task in tasks.values {
                prepared.append((task, try task.prepareReload(of: name, to: swap.candidate.plugin)))
            }
        } catch {
            prepared.forEach { $0.reload.discard() }
            logger.error("swap of \(name) refused: init of the new build failed: \(error)")
            swap.finish(.failure(ReloadError(plugin: name, reason: "init of the new build failed: \(error)")))
            return
        }
        var processed: [PluginVersion: Int] = [:]
        do {
            for (task, reload) in prepared {
                processed.merge(try task.installReload(of: name, to: swap.candidate.plugin, reload)) { $0 + $1 }
            }
        } catch {
            swap.finish(.failure(ReloadError(plugin: name, reason: "installing the new build failed: \(error)")))
            throw error
        }
        let retired = pluginsInUse[name]
        pluginsInUse[name] = swap.candidate.plugin
        if let retired, retired !== swap.candidate.plugin { retired.retireFromCallingThread() }
        swap.finish(
            .success(
                PluginSwapReport(
                    thread: index, pause: .now - started, tasks: prepared.count, processedByReplaced: processed)))
    }
}
