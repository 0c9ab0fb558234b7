import EddySDK

#if canImport(Glibc)
    import Glibc
#endif

/// Builds the worker's stand-in `eddy_plugin` for an isolated plugin from its manifest: the
/// same name, version, toolchain, processors (stores, config keys), exported topology and
/// stream functions as the plugin's own descriptor, with ``IsolatedProcessor`` entries and
/// ``IsolatedNode``'s `apply` and `merge`. Like a plugin image, it is never freed:
/// a descriptor must stay valid for the life of the process.
enum StandInDescriptor {
    static func make(_ manifest: IsolatedPluginManifest, build: IsolatedBuild) -> UnsafePointer<eddy_plugin> {
        var plugin = eddy_plugin()
        plugin.struct_size = UInt32(MemoryLayout<eddy_plugin>.size)
        plugin.abi_major = manifest.abiMajor
        plugin.abi_minor = manifest.abiMinor
        plugin.toolchain = permanent(manifest.toolchain)
        plugin.name = permanent(manifest.name)
        plugin.version = permanent(manifest.version)
        plugin.doc = manifest.doc.map(permanent)
        let processors = manifest.processors.map { processor(of: $0, build: build) }
        plugin.processors = processors.isEmpty ? nil : array(processors)
        plugin.processor_count = processors.count
        plugin.functions = nil
        plugin.function_count = 0
        if let nodes = manifest.topology {
            var topology = eddy_topology()
            topology.struct_size = UInt32(MemoryLayout<eddy_topology>.size)
            let entries = nodes.map { node(of: $0, build: build) }
            topology.nodes = entries.isEmpty ? nil : array(entries)
            topology.node_count = entries.count
            plugin.topology = UnsafePointer(allocate(topology))
        } else {
            plugin.topology = nil
        }
        let streamFunctions = manifest.streamFunctions.map { node(of: $0, build: build) }
        plugin.stream_functions = streamFunctions.isEmpty ? nil : array(streamFunctions)
        plugin.stream_function_count = streamFunctions.count
        return UnsafePointer(allocate(plugin))
    }

    /// A node like the plugin's, whose `apply` and `merge` (when it has them) are ``IsolatedNode``'s.
    private static func node(of manifest: IsolatedNodeManifest, build: IsolatedBuild) -> UnsafePointer<eddy_node> {
        var node = eddy_node()
        node.struct_size = UInt32(MemoryLayout<eddy_node>.size)
        node.name = permanent(manifest.name)
        node.kind = manifest.kind
        node.flags = manifest.flags
        node.parents = strings(manifest.parents)
        node.parent_count = manifest.parents.count
        node.topics = strings(manifest.topics)
        node.topic_count = manifest.topics.count
        node.key_serde = manifest.keySerde.map(permanent)
        node.value_serde = manifest.valueSerde.map(permanent)
        node.store = manifest.store.map(declaration)
        node.processor = manifest.processor.map(permanent)
        node.branches = strings(manifest.branches)
        node.branch_count = manifest.branches.count
        node.partitions = manifest.partitions
        if manifest.hasApply || manifest.hasMerge {
            node.plugin_data = UnsafeRawPointer(
                Unmanaged.passRetained(IsolatedNode(build: build, reference: manifest.reference, name: manifest.name))
                    .toOpaque())
        }
        node.apply = manifest.hasApply ? IsolatedNode.applyEntry : nil
        node.merge = manifest.hasMerge ? IsolatedNode.mergeEntry : nil
        if let window = manifest.window {
            node.window = eddy_window(
                type: eddy_window_type(window[0]), size_ms: window[1], advance_ms: window[2], grace_ms: window[3])
        }
        if let suppress = manifest.suppress {
            node.suppress = eddy_suppress(
                until: eddy_suppress_until(suppress[0]), time_limit_ms: suppress[1], max_records: suppress[2],
                max_bytes: suppress[3], when_full: eddy_suppress_full(suppress[4]))
        }
        node.timestamp_extractor = manifest.timestampExtractor.first.map { self.node(of: $0, build: build) }
        node.join_type = manifest.joinType ?? 0
        if let windows = manifest.joinWindows {
            node.join_windows = eddy_join_windows(before_ms: windows[0], after_ms: windows[1], grace_ms: windows[2])
        }
        let joinStores = manifest.joinStores.map(declaration)
        node.join_stores = joinStores.isEmpty ? nil : array(joinStores)
        node.join_store_count = joinStores.count
        node.key_selector = manifest.keySelector.first.map { self.node(of: $0, build: build) }
        return UnsafePointer(allocate(node))
    }

    private static func declaration(_ store: IsolatedPluginManifest.Store) -> UnsafePointer<eddy_store_decl> {
        var declaration = eddy_store_decl()
        declaration.struct_size = UInt32(MemoryLayout<eddy_store_decl>.size)
        declaration.name = permanent(store.name)
        declaration.kind = store.kind
        declaration.key_serde = permanent(store.keySerde)
        declaration.value_serde = permanent(store.valueSerde)
        declaration.changelog = store.changelog
        declaration.retention_ms = store.retentionMs
        declaration.window_size_ms = store.windowSizeMs
        return UnsafePointer(allocate(declaration))
    }

    private static func strings(_ texts: [String]) -> UnsafePointer<UnsafePointer<CChar>?>? {
        texts.isEmpty ? nil : array(texts.map(permanent))
    }

    private static func processor(of manifest: IsolatedPluginManifest.Processor, build: IsolatedBuild) -> UnsafePointer<
        eddy_processor
    > {
        var entry = eddy_processor()
        entry.struct_size = UInt32(MemoryLayout<eddy_processor>.size)
        entry.name = permanent(manifest.name)
        entry.doc = manifest.doc.map(permanent)
        let stores = manifest.stores.map(declaration)
        entry.stores = stores.isEmpty ? nil : array(stores)
        entry.store_count = stores.count
        let keys = manifest.config.map { key -> UnsafePointer<eddy_config_key> in
            var config = eddy_config_key()
            config.struct_size = UInt32(MemoryLayout<eddy_config_key>.size)
            config.name = permanent(key.name)
            config.type = key.type
            config.default_value = key.defaultValue.map(permanent)
            config.doc = key.doc.map(permanent)
            return UnsafePointer(allocate(config))
        }
        entry.config = keys.isEmpty ? nil : array(keys)
        entry.config_count = keys.count
        entry.plugin_data = UnsafeRawPointer(
            Unmanaged.passRetained(IsolatedProcessor(build: build, name: manifest.name)).toOpaque())
        entry.`init` = IsolatedProcessor.initEntry
        entry.process = IsolatedProcessor.processEntry
        entry.punctuate = manifest.hasPunctuate ? IsolatedProcessor.punctuateEntry : nil
        entry.close = IsolatedProcessor.closeEntry
        entry.process_batch = IsolatedProcessor.processBatchEntry
        return UnsafePointer(allocate(entry))
    }

    private static func permanent(_ text: String) -> UnsafePointer<CChar> {
        UnsafePointer(strdup(text)!)
    }

    private static func allocate<T>(_ value: T) -> UnsafeMutablePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        pointer.initialize(to: value)
        return pointer
    }

    private static func array<T>(_ pointers: [UnsafePointer<T>]) -> UnsafePointer<UnsafePointer<T>?> {
        let array = UnsafeMutablePointer<UnsafePointer<T>?>.allocate(capacity: pointers.count)
        array.initialize(from: pointers.map { Optional($0) }, count: pointers.count)
        return UnsafePointer(array)
    }
}
