#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A new processor plugin package, as `eddy plugin new` writes it: a SwiftPM package that
/// depends only on the Eddy SDK, with one processor, its TestKit test and a README. It
/// builds and its test passes as generated.
public struct PluginScaffold: Sendable {
    /// The package, module and product name (e.g. `Greeter`).
    public let name: String
    /// The path of the Eddy `sdk/` package the plugin depends on.
    public let sdkPath: String

    /// - Throws: `ScaffoldError` when `name` is not a valid Swift module name.
    public init(name: String, sdkPath: String) throws {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
            name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        else {
            throw ScaffoldError(
                description:
                    "plugin name \"\(name)\" is not usable as a Swift module name — use ASCII letters and digits, starting with a letter (e.g. Greeter)"
            )
        }
        self.name = name
        self.sdkPath = sdkPath
    }

    /// SwiftPM's identity of the SDK package: its directory's name.
    private var sdkPackage: String {
        swiftLiteral(String(sdkPath.split(separator: "/").last ?? "sdk"))
    }

    /// The processor's name in topologies: the lower-cased package name.
    public var processorName: String { name.lowercased() }

    /// The files to write, by path relative to the package directory.
    public var files: [(path: String, contents: String)] {
        [
            ("Package.swift", packageManifest),
            ("Sources/\(name)/\(name).swift", processorSource),
            ("Tests/\(name)Tests/\(name)Tests.swift", testSource),
            ("README.md", readme),
            (".gitignore", ".build/\n.swiftpm/\nPackage.resolved\n"),
        ]
    }

    /// Writes the package into `directory/<name>`, which must not exist yet, and returns its path.
    public func write(into directory: String) throws -> String {
        let root = directory + "/" + name
        guard !FileManager.default.fileExists(atPath: root) else {
            throw ScaffoldError(description: "\(root) already exists — choose another name or --dir")
        }
        for file in files {
            let path = root + "/" + file.path
            let parent = (path.split(separator: "/").dropLast().joined(separator: "/"))
            try FileManager.default.createDirectory(
                atPath: (path.hasPrefix("/") ? "/" : "") + parent, withIntermediateDirectories: true)
            try file.contents.write(toFile: path, atomically: true, encoding: .utf8)
        }
        return root
    }

    // MARK: - Templates

    private var packageManifest: String {
        """
        // swift-tools-version: 6.1
        import PackageDescription

        let package = Package(
            name: "\(name)",
            products: [
                // The plugin: a shared library the Eddy host loads with dlopen.
                .library(name: "\(name)", type: .dynamic, targets: ["\(name)"])
            ],
            dependencies: [
                .package(path: "\(swiftLiteral(sdkPath))")
            ],
            targets: [
                .target(name: "\(name)", dependencies: [.product(name: "EddySDK", package: "\(sdkPackage)")]),
                .testTarget(
                    name: "\(name)Tests",
                    dependencies: ["\(name)", .product(name: "EddyTestKit", package: "\(sdkPackage)")]),
            ]
        )

        """
    }

    private var processorSource: String {
        """
        import EddySDK

        /// Greets every record: forwards "Hello, <value>!" under the same key, and counts the
        /// greetings per key in the `greetings` store.
        public struct \(name)Processor: Processor {
            public static let name = "\(processorName)"
            public static let doc: String? = "Greets every record and counts greetings per key."
            public static let stores: [StoreDeclaration] = [.keyValue("greetings", key: .string, value: .int64)]
            public static let config: [ConfigKey] = [ConfigKey("greeting", .string, default: "Hello")]

            private let context: ProcessorContext
            private let greetings: KeyValueStore<StringSerde, BigEndianIntegerSerde<Int64>>
            private let greeting: String

            public init(context: ProcessorContext) throws {
                self.context = context
                self.greetings = try context.keyValueStore("greetings", key: .string, value: .int64)
                self.greeting = try context.config("greeting", as: String.self)
            }

            public mutating func process(_ record: Record) throws {
                guard let key = try record.key(.string) else {
                    throw ProcessorError.reject("a greeting needs a key")
                }
                let name = try record.value(.string) ?? "nobody"
                try greetings.put(key, (try greetings.get(key) ?? 0) + 1)
                try context.forward(
                    key: key, value: "\\(greeting), \\(name)!", keySerde: .string, valueSerde: .string,
                    timestamp: record.timestamp)
            }
        }

        /// The plugin: its name, version and processors.
        public enum \(name)Plugin: Plugin {
            public static let name = "\(processorName)"
            public static let version = "0.1.0"
            public static var processors: [any Processor.Type] { [\(name)Processor.self] }
        }

        /// The one symbol the Eddy host looks for.
        @_cdecl("eddy_plugin_v1")
        public func eddyPlugin() -> UnsafeRawPointer { \(name)Plugin.export() }

        """
    }

    private var testSource: String {
        """
        import EddySDK
        import EddyTestKit
        import Testing
        import \(name)

        @Suite struct \(name)Tests {
            @Test func greetsAndCounts() throws {
                let driver = try TestDriver(\(name)Plugin.self, processor: "\(processorName)", config: ["greeting": "Hi"])
                try driver.pipe(key: "a", value: "Ada", keySerde: .string, valueSerde: .string, timestamp: 1)
                try driver.pipe(key: "a", value: "Alan", keySerde: .string, valueSerde: .string, timestamp: 2)
                try driver.pipe(key: nil, value: "nobody", keySerde: .string, valueSerde: .string, timestamp: 3)

                #expect(
                    try driver.readOutput(keySerde: .string, valueSerde: .string) == [
                        TestRecord(key: "a", value: "Hi, Ada!", timestamp: 1),
                        TestRecord(key: "a", value: "Hi, Alan!", timestamp: 2),
                    ])
                #expect(driver.deadLetters.map(\\.reason) == ["a greeting needs a key"])
                let counts = try driver.keyValueStore("greetings", key: .string, value: .int64)
                #expect(counts.map(\\.key) == ["a"])
                #expect(counts.map(\\.value) == [2])
            }
        }

        """
    }

    private var readme: String {
        """
        # \(name)

        An Eddy processor plugin. It depends only on the Eddy SDK (`\(sdkPath)`).

        - `Sources/\(name)/\(name).swift`: the processor `\(processorName)` and the plugin export.
        - `Tests/\(name)Tests/`: its tests, with the SDK's `TestDriver` (no Kafka needed).

        ```sh
        swift build --build-tests && swift test --skip-build   # build and test
        swift build -c release                                  # .build/release/lib\(name).so
        eddy plugin inspect .build/release/lib\(name).so        # what the host sees
        ```

        Build the plugin with the same Swift toolchain as the Eddy host that loads it: the
        host refuses a plugin from another toolchain.

        """
    }
}

/// `text` escaped for use inside a Swift string literal.
private func swiftLiteral(_ text: String) -> String {
    text.reduce(into: "") { escaped, character in
        if character == "\\" || character == "\"" { escaped.append("\\") }
        escaped.append(character)
    }
}

/// `eddy plugin new` cannot scaffold: what is wrong and what to do.
public struct ScaffoldError: Error, CustomStringConvertible {
    public let description: String
}
