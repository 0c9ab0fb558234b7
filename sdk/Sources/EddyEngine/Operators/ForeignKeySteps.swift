import EddyHost
import EddySDK

/// Builds the node of one step of a foreign-key join for a task.
enum ForeignKeySteps {
    static func node(
        _ declared: Topology.Node, _ step: Topology.ForeignKeyStep, lookup: TaskStoreLookup, taskId: String,
        applicationId: String,
        entry: (Topology.PluginFunction) throws -> UnsafePointer<eddy_node>
    ) throws -> GraphNode {
        func caller(_ function: Topology.PluginFunction) throws -> FunctionCaller {
            FunctionCaller(
                function: function, entry: try entry(function), node: nil, taskId: taskId, applicationId: applicationId,
                allowsSeveralOutputs: false)
        }
        let leftParent = declared.parents.first ?? ""
        switch step {
        case .subscribe(let extractor, let foreignKeys, let type):
            return try ForeignKeySubscribeNode(
                name: declared.name, extractor: extractor, foreignKeys: try lookup.keyValue(foreignKeys.name),
                propagatesNullForeignKey: type == .left, caller: caller)
        case .respond(let subscriptions, let right):
            return ForeignKeyRespondNode(
                name: declared.name, leftParent: leftParent, subscriptions: try lookup.keyValue(subscriptions.name),
                right: try lookup.table(right))
        case .resolve(let left, let type, let joiner):
            let function: FunctionCaller?
            switch joiner {
            case .function(let joinerFunction): function = try caller(joinerFunction)
            case .jsonMerge: function = nil
            }
            return ForeignKeyResolveNode(
                name: declared.name, type: type, leftParent: leftParent, joiner: function,
                left: try lookup.table(left))
        }
    }
}
