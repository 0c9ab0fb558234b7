import EddyEngine
import EddyPlugins
import EddySDK

/// The calls of one typed function for a run of records, made in one request where the
/// function runs in an isolated plugin's process (``TypedFunctionCaller/runner``), instead of
/// one round trip per record.
///
/// A record whose arguments cannot be read goes to the error policy, as in-process; a
/// process that dies or hangs fails the whole call (the stream thread restarts it and
/// reprocesses from the last commit). The buffers keep their capacity from run to run.
final class TypedCallsOfRun {
    private var batch = TypedCallBatch()
    /// The position in the run of each call in the batch.
    private var positions: [Int] = []
    /// The result of each position of the last run; nil where no call was made.
    private(set) var results: [TypedValue?] = []

    /// Calls `caller` with the fields `call` names of each record of `run` at a position
    /// `asked` admits, and sets ``results``.
    func make(
        _ caller: TypedFunctionCaller, _ call: FunctionCall, over run: RecordRun, at node: JSONOperatorNode,
        asked: (Int) -> Bool = { _ in true }
    ) throws {
        batch.reset()
        positions.removeAll(keepingCapacity: true)
        results.removeAll(keepingCapacity: true)
        results.append(contentsOf: repeatElement(nil, count: run.count))
        for position in 0..<run.count where asked(position) {
            let origin = run.origins[position]
            do {
                let values = try node.fields(
                    call.fields, of: run.records[position], origin: origin, for: "for \(call.plugin).\(call.function)")
                for (index, (value, type)) in zip(values, caller.signature.arguments).enumerated() {
                    batch.append(try TypedValue(json: value, as: type, position: index + 1, function: caller.name))
                }
                batch.endCall()
                positions.append(position)
            } catch {
                batch.discardCall()
                try node.graph.reject(origin: origin, reason: "\(error)", node: node.name, plugin: call.plugin)
            }
        }
        guard batch.count > 0 else { return }
        try caller.call(batch: &batch)
        for (index, position) in positions.enumerated() { results[position] = batch.results[index] }
    }
}
