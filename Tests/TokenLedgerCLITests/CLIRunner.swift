import Foundation
import Testing

/// Runs the built `tokenledger` binary as a user would, capturing stdout, stderr and the exit status.
///
/// Each run gets a private environment: only PATH, plus a fresh HOME/XDG/ledger under a temporary
/// directory unless the test passes its own — so no test ever touches the developer's real ledger.
struct CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary `swift test` built next to the test bundle.
    static let binary: URL = {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("tokenledger")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        // Fallback: the conventional debug build location relative to the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/tokenledger")
    }()

    /// The package root, for fixture paths.
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A fixture file or directory by path relative to the package root.
    static func fixture(_ relativePath: String) -> String {
        packageRoot.appendingPathComponent(relativePath).path
    }

    /// A scratch directory for one test, removed by the caller's `defer` if it wishes.
    let home: URL
    var environment: [String: String]

    init(environment extra: [String: String] = [:]) throws {
        home = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        environment = [
            "PATH": "/usr/bin:/bin",
            "HOME": home.path,
            "XDG_DATA_HOME": home.appendingPathComponent("data").path,
            "XDG_CONFIG_HOME": home.appendingPathComponent("config").path,
            "TZ": "UTC",
        ]
        environment.merge(extra) { $1 }
    }

    /// Runs `tokenledger args…`, feeding `stdin` if given.
    @discardableResult
    func run(_ args: [String], stdin: String? = nil) throws -> Result {
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = args
        process.environment = environment
        process.currentDirectoryURL = CLIRunner.packageRoot
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting so a large output cannot deadlock the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus,
            stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self)
        )
    }

    func run(_ args: String..., stdin: String? = nil) throws -> Result { try run(args, stdin: stdin) }

    func cleanUp() { try? FileManager.default.removeItem(at: home) }

    /// Copies a fixture file or folder to `target` under the fake home (".claude/projects"), as a tool would
    /// have left it there.
    func place(_ fixture: String, at target: String) throws {
        let to = home.appendingPathComponent(target)
        try FileManager.default.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: CLIRunner.fixture(fixture), toPath: to.path)
    }
}

@Suite("The tokenledger binary")
struct BinaryBasicsTests {
    @Test("--help lists every subcommand and exits 0")
    func help() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("--help")
        #expect(result.status == 0)
        for command in ["count", "estimate", "cost", "prices", "import", "sync", "reprice", "report", "budget"] {
            #expect(result.stdout.contains("  \(command) "), "help lists \(command)")
        }
    }

    @Test("an unknown flag is a usage error: exit 2, a message, no stack trace")
    func unknownFlag() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("--no-such-flag")
        #expect(result.status == 2)
        #expect(result.stderr == "tokenledger: error: unknown option '--no-such-flag'; see 'tokenledger --help'.\n")
        #expect(result.stdout.isEmpty)
    }
}
