import EddyHost
import EddySDK
import EddyTestSupport
import Foundation
import Testing

@testable import EddyPlugins

/// Every refusal of the loader, each with its exact message.
@Suite struct PluginRefusalTests {
    private func loadError(_ path: String, _ fixture: PluginFixture) -> String? {
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        do {
            _ = try loader.load(path)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Refused before anything is copied or loaded, with the reason the CLI and a running
    /// worker give too.
    @Test(arguments: BadPluginFile.allCases)
    func refusesABadFileBeforeLoadingIt(_ bad: BadPluginFile) throws {
        let fixture = try PluginFixture()
        let built = PluginFixture.productsDirectory + "/libWordCount.so"
        let path = try bad.make(named: "libWordCount.so", from: built, in: fixture.pluginDirectory)
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        let error = #expect(throws: PluginFileError.self) { try loader.load(path) }
        #expect(error?.description == (try bad.refusal(of: path, directory: fixture.pluginDirectory, built: built)))
        #expect(!FileManager.default.fileExists(atPath: fixture.cacheDirectory))
    }

    /// A link is followed when it stays inside the plugin directory; the file loaded is its target.
    @Test func followsASymbolicLinkInsideThePluginDirectory() throws {
        let fixture = try PluginFixture()
        let target = try fixture.install(product: "Uppercase")
        let link = fixture.pluginDirectory + "/current.so"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "libUppercase.so")
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        let plugin = try loader.load(link)
        let canonical = try #require(realpath(target, nil))
        defer { free(canonical) }
        #expect(plugin.name == "uppercase")
        #expect(plugin.sourcePath == String(cString: canonical))
    }

    /// The copy `dlopen` is given must hold the checked bytes, whatever changed it since.
    @Test func refusesACopyThatIsNotTheCheckedBuild() throws {
        let fixture = try PluginFixture()
        let path = try fixture.install(product: "Uppercase")
        let checked = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let copy = fixture.root + "/copy.so"
        try Data(checked.dropLast()).write(to: URL(fileURLWithPath: copy))
        #expect(throws: PluginFileError.copyChanged(path: path, copy: copy)) {
            try PluginFile.requireCopy(copy, holds: checked, of: path)
        }
        #expect(
            PluginFileError.copyChanged(path: path, copy: copy).description
                == "the copy of plugin file \(path) at \(copy) is not the build that was checked: something else writes to the plugin cache — give this process a plugin cache of its own"
        )
        try Data(checked).write(to: URL(fileURLWithPath: copy))
        try PluginFile.requireCopy(copy, holds: checked, of: path)
    }

    @Test func refusesAGroupWritableFile() throws {
        let fixture = try PluginFixture()
        let path = try fixture.install(product: "Uppercase")
        try FileManager.default.setAttributes([.posixPermissions: 0o775], ofItemAtPath: path)
        #expect(
            loadError(path, fixture)
                == "plugin file \(path) is writable by group or others (mode 775) — anyone could swap its code; run chmod go-w \(path)"
        )
    }

    @Test func refusesAMissingFile() throws {
        let fixture = try PluginFixture()
        let path = fixture.pluginDirectory + "/nope.so"
        #expect(
            loadError(path, fixture) == "cannot read plugin file \(path): No such file or directory — check the path")
    }

    @Test func refusesALibraryWithoutTheEntrySymbol() throws {
        let fixture = try PluginFixture()
        let path = try fixture.compileC("int unrelated(void) { return 1; }\n", as: "libplain.so")
        #expect(
            loadError(path, fixture)
                == "plugin libplain.so does not export eddy_plugin_v1 — is it an Eddy plugin? A Swift plugin exports it with @_cdecl(\"eddy_plugin_v1\"), a C plugin defines const eddy_plugin *eddy_plugin_v1(void)"
        )
    }

    @Test func refusesAPluginForAnotherABIMajor() throws {
        let fixture = try PluginFixture()
        let path = try fixture.compileC(
            CPluginSources.plugin(abiMajor: "2", entry: "eddy_plugin_v2"), as: "libfuture.so")
        #expect(
            loadError(path, fixture)
                == "plugin libfuture.so was built for Eddy ABI 2 (it exports eddy_plugin_v2); this host speaks ABI 1 — rebuild the plugin against this host's sdk"
        )
    }

    @Test func refusesADescriptorWhoseMajorContradictsItsSymbol() throws {
        let fixture = try PluginFixture()
        let path = try fixture.compileC(CPluginSources.plugin(abiMajor: "3"), as: "libodd.so")
        #expect(
            loadError(path, fixture)
                == "plugin libodd.so declares ABI major 3 in its descriptor but exports eddy_plugin_v1 — rebuild it against this host's sdk (ABI 1.5)"
        )
    }

    @Test func refusesAnotherSwiftToolchain() throws {
        let fixture = try PluginFixture()
        let fingerprint = "swift-6.2; Clang 17.0.0 (https://github.com/swiftlang/llvm-project.git 0123456789abcdef)"
        let path = try fixture.compileC(CPluginSources.plugin(toolchain: "\"\(fingerprint)\""), as: "libWordCount.so")
        #expect(
            loadError(path, fixture)
                == "plugin libWordCount.so was built with Swift toolchain 6.2 (fingerprint \(fingerprint)); this host runs \(Toolchain.swiftVersion) (fingerprint \(Toolchain.fingerprint)) — rebuild the plugin with the host's toolchain"
        )
    }

    @Test func refusesAnUnknownFingerprint() throws {
        let fixture = try PluginFixture()
        let path = try fixture.compileC(CPluginSources.plugin(toolchain: "\"rustc 1.80\""), as: "librust.so")
        #expect(
            loadError(path, fixture)
                == "plugin librust.so declares toolchain fingerprint \"rustc 1.80\", which is neither a Swift fingerprint nor \"none\" — rebuild it with the Eddy SDK"
        )
    }

    @Test func refusesATooSmallDescriptor() throws {
        let fixture = try PluginFixture()
        let path = try fixture.compileC(CPluginSources.plugin(structSize: "16"), as: "libsmall.so")
        #expect(
            loadError(path, fixture)
                == "plugin libsmall.so has a descriptor (eddy_plugin) of struct_size 16 bytes, smaller than ABI 1.0's \(MemoryLayout<eddy_plugin>.size) — it was not built against eddy.h"
        )
    }

    @Test func refusesATooSmallProcessor() throws {
        let fixture = try PluginFixture()
        let path = try fixture.compileC(CPluginSources.plugin(processorSize: "8"), as: "libtiny.so")
        #expect(
            loadError(path, fixture)
                == "plugin libtiny.so has a processor 0 of struct_size 8 bytes, smaller than ABI 1.0's \(MemoryLayout<eddy_processor>.offset(of: \.close)! + 8) — it was not built against eddy.h"
        )
    }

    @Test func refusesDuplicateProcessorNames() throws {
        let fixture = try PluginFixture()
        let path = try fixture.compileC(CPluginSources.plugin(processors: ["twin", "twin"]), as: "libtwins.so")
        #expect(
            loadError(path, fixture)
                == "plugin libtwins.so declares processor \"twin\" twice — processor names must be unique within a plugin"
        )
    }

    @Test func refusesDuplicateStoreNames() throws {
        let fixture = try PluginFixture()
        let declarations = """
            static const eddy_store_decl s = { .struct_size = sizeof(eddy_store_decl), .name = "counts",
                .kind = EDDY_STORE_KEY_VALUE, .key_serde = "string", .value_serde = "i64", .changelog = true };
            static const eddy_store_decl *const stores[] = {&s, &s};
            """
        let path = try fixture.compileC(
            CPluginSources.plugin(declarations: declarations, processorFields: ".stores = stores, .store_count = 2,"),
            as: "libstores.so")
        #expect(
            loadError(path, fixture)
                == "plugin libstores.so processor marker declares store \"counts\" twice — store names must be unique")
    }

    @Test func refusesDuplicateConfigKeys() throws {
        let fixture = try PluginFixture()
        let declarations = """
            static const eddy_config_key k = { .struct_size = sizeof(eddy_config_key), .name = "limit",
                .type = EDDY_CONFIG_INT, .default_value = "3" };
            static const eddy_config_key *const keys[] = {&k, &k};
            """
        let path = try fixture.compileC(
            CPluginSources.plugin(declarations: declarations, processorFields: ".config = keys, .config_count = 2,"),
            as: "libkeys.so")
        #expect(
            loadError(path, fixture)
                == "plugin libkeys.so processor marker declares config key \"limit\" twice — config keys must be unique"
        )
    }

    @Test func refusesAnUnknownStoreKind() throws {
        let fixture = try PluginFixture()
        let declarations = """
            static const eddy_store_decl s = { .struct_size = sizeof(eddy_store_decl), .name = "odd", .kind = 9,
                .key_serde = "bytes", .value_serde = "bytes" };
            static const eddy_store_decl *const stores[] = {&s};
            """
        let path = try fixture.compileC(
            CPluginSources.plugin(declarations: declarations, processorFields: ".stores = stores, .store_count = 1,"),
            as: "libkind.so")
        #expect(
            loadError(path, fixture)
                == "plugin libkind.so has an invalid descriptor: processor marker: store odd has kind 9, which is not EDDY_STORE_KEY_VALUE (1), EDDY_STORE_WINDOW (2) or EDDY_STORE_SESSION (3)"
        )
    }

    @Test func refusesDuplicateFunctionNames() throws {
        let fixture = try PluginFixture()
        let functions = """
            static int32_t one(void) { return 1; }
            static const eddy_function a = { .struct_size = sizeof(eddy_function), .name = "one", .signature = "i32()", .function = (void (*)(void))one };
            static const eddy_function b = { .struct_size = sizeof(eddy_function), .name = "one", .signature = "i32()", .function = (void (*)(void))one };
            """
        let path = try fixture.compileC(
            CPluginSources.plugin(functions: functions, functionList: ["&a", "&b"]), as: "libdup.so")
        #expect(
            loadError(path, fixture)
                == "plugin libdup.so declares typed function \"one\" twice — function names must be unique within a plugin"
        )
    }

    @Test func refusesASignatureThatDoesNotParse() throws {
        let fixture = try PluginFixture()
        let functions = """
            static double f(double x) { return x; }
            static const eddy_function a = { .struct_size = sizeof(eddy_function), .name = "f", .signature = "f64(float)", .function = (void (*)(void))f };
            """
        let path = try fixture.compileC(
            CPluginSources.plugin(functions: functions, functionList: ["&a"]), as: "libsig.so")
        #expect(
            loadError(path, fixture)
                == "plugin libsig.so typed function f: signature \"f64(float)\" does not parse: argument 1 has unknown type \"float\"; the types are bool, i32, i64, f64, str, bytes (and void as a return type)"
        )
    }

    @Test func refusesAnEntryThatReturnsNull() throws {
        let fixture = try PluginFixture()
        let path = try fixture.compileC(
            "#include <eddy/eddy.h>\nconst eddy_plugin *eddy_plugin_v1(void) { return NULL; }\n", as: "libnull.so")
        #expect(
            loadError(path, fixture)
                == "plugin libnull.so: eddy_plugin_v1 returned NULL — the plugin could not build its descriptor")
    }

    @Test func refusesASecondBuildUnderATakenNameAndVersion() throws {
        let fixture = try PluginFixture()
        let registry = PluginRegistry(
            loader: PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory))
        let first = try registry.load(try fixture.compileC(CPluginSources.plugin(marker: "a"), as: "liba.so"))
        let second = try fixture.compileC(CPluginSources.plugin(marker: "b"), as: "libb.so")
        let secondSHA = SHA256.hex(of: Array(try Data(contentsOf: URL(fileURLWithPath: second))))
        let error = #expect(throws: PluginLoadError.self) { try registry.load(second) }
        #expect(
            error?.description
                == "plugin sample 1.0.0 is already loaded from \(first.sourcePath) (sha256 \(first.sha256)), and \(second) is a different build (sha256 \(secondSHA)) with the same name and version — give the new build a new version"
        )
    }
}
