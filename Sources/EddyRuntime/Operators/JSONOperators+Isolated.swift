import EddyEngine
import EddyPlugins
import EddySDK

/// The built-ins whose typed function runs in an isolated plugin's process: one request per
/// run of records (``TypedCallsOfRun``), then the results applied record by record, with the
/// same outcome as in-process.
extension JSONFilterNode {
    func processIsolated(_ run: RecordRun) throws {
        try isolatedCalls.make(caller, call, over: run, at: self)
        for position in 0..<run.count {
            if case .bool(true)? = isolatedCalls.results[position] {
                output.append(run.records[position], origin: run.origins[position])
            }
        }
        try deliverOutput()
    }
}

extension JSONMapValuesNode {
    func processIsolated(_ run: RecordRun) throws {
        try isolatedCalls.make(caller, call, over: run, at: self)
        for position in 0..<run.count {
            guard let result = isolatedCalls.results[position] else { continue }
            let origin = run.origins[position]
            do {
                try append(result, to: run.records[position], origin: origin)
            } catch {
                try graph.reject(origin: origin, reason: "\(error)", node: name, plugin: call.plugin)
            }
        }
        try deliverOutput()
    }
}

extension JSONBranchNode {
    /// Chooses each record's branch with one request per branch function: the first branch's
    /// function is asked about every record, the next about those still unchosen, and so on.
    /// A record whose arguments cannot be read is rejected (marked -2) and asked no further.
    func chooseIsolated(_ run: RecordRun) throws {
        for (branch, spec) in branches.enumerated() {
            guard let call = spec.function, let caller = callers[branch] else {
                for position in 0..<run.count where chosen[position] == -1 { chosen[position] = branch }
                return
            }
            let asked = chosen
            try isolatedCalls.make(caller, call, over: run, at: self) { asked[$0] == -1 }
            for position in 0..<run.count where asked[position] == -1 {
                switch isolatedCalls.results[position] {
                case .bool(true)?: chosen[position] = branch
                case nil: chosen[position] = -2
                default: break
                }
            }
        }
    }
}
