import Foundation
import Testing

/// What `scripts/install.sh` relies on: the binary names its build, and finds its vocabulary in
/// `PREFIX/share/tokenledger/Vocab` when it runs from `PREFIX/bin`, with no build folder beside it.
@Suite("An installed tokenledger")
struct InstallLayoutCLITests {
    @Test("--version prints the version and the git commit it was built from")
    func versionNamesTheCommit() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("--version")
        #expect(result.status == 0)
        let line = result.stdout.trimmingCharacters(in: .newlines)
        let parts = line.split(separator: " ")
        try #require(parts.count == 3, "expected 'X.Y.Z (commit C)', got '\(line)'")
        #expect(parts[0].split(separator: ".").count == 3 && parts[0].allSatisfy { $0.isNumber || $0 == "." })
        #expect(parts[1] == "(commit")
        let commit = String(parts[2].dropLast())
        #expect(parts[2].hasSuffix(")"))
        #expect(commit == "unknown" || (commit.count == 12 && commit.allSatisfy(\.isHexDigit)), "commit '\(commit)'")
        if commit != "unknown", let known = Self.git(["cat-file", "-t", commit]) {
            #expect(known == "commit", "\(commit) is a commit of this repository")
        }
    }

    @Test("from PREFIX/bin it reads the vocabulary in PREFIX/share/tokenledger/Vocab, and says so when it is missing")
    func findsSharedVocabulary() throws {
        let fm = FileManager.default
        let prefix = fm.temporaryDirectory.appendingPathComponent("tokenledger-prefix-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: prefix) }
        let bin = prefix.appendingPathComponent("bin")
        let vocab = prefix.appendingPathComponent("share/tokenledger/Vocab")
        try fm.createDirectory(at: bin, withIntermediateDirectories: true)
        try fm.createDirectory(at: vocab.deletingLastPathComponent(), withIntermediateDirectories: true)
        let built = CLIRunner.binary.deletingLastPathComponent()
            .appendingPathComponent("TokenLedger_TokenLedgerTokenizer.resources/Vocab")
        try fm.copyItem(at: CLIRunner.binary, to: bin.appendingPathComponent("tokenledger"))
        try fm.copyItem(at: built, to: vocab)

        let installed = bin.appendingPathComponent("tokenledger")
        let counted = try Self.run(installed, ["count"], stdin: "hello world", home: prefix)
        #expect(counted.status == 0, "stderr: \(counted.stderr)")
        #expect(counted.stdout == "2\n")

        try fm.removeItem(at: vocab)
        let missing = try Self.run(installed, ["count"], stdin: "hello world", home: prefix)
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("tokenledger: error: the tokenizer vocabulary is missing"))
        #expect(missing.stderr.contains("scripts/install.sh"))
        #expect(missing.stderr.split(separator: "\n").count == 1, "one sentence: \(missing.stderr)")
    }

    /// Runs `executable` with only PATH and HOME set, as a user's shell would with nothing configured.
    static func run(_ executable: URL, _ args: [String], stdin: String, home: URL) throws -> CLIRunner.Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = args
        process.environment = ["PATH": executable.deletingLastPathComponent().path, "HOME": home.path]
        process.currentDirectoryURL = home
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CLIRunner.Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                                stderr: String(decoding: errData, as: UTF8.self))
    }

    /// `git ARGS` in the package root, trimmed; nil when git is missing or fails.
    static func git(_ args: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", CLIRunner.packageRoot.path] + args
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
