import EddySDK

#if canImport(Glibc)
    import Glibc
#endif

/// Builds the worker's stand-in `eddy_plugin` for an isolated plugin from its manifest: the
/// same name, version, toolchain and processors (stores, config keys) as the plugin's own
/// descriptor, with ``IsolatedProcessor`` entries. Like a plugin image, it is never freed:
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
        plugin.topology = nil
        plugin.stream_functions = nil
        plugin.stream_function_count = 0
        return UnsafePointer(allocate(plugin))
    }

    private static func processor(of manifest: IsolatedPluginManifest.Processor, build: IsolatedBuild) -> UnsafePointer<
        eddy_processor
    > {
        var entry = eddy_processor()
        entry.struct_size = UInt32(MemoryLayout<eddy_processor>.size)
        entry.name = permanent(manifest.name)
        entry.doc = manifest.doc.map(permanent)
        let stores = manifest.stores.map { store -> UnsafePointer<eddy_store_decl> in
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
