import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerLedger

/// The 200,000-line chat log every fault-injection test imports, written once per test run.
/// Its totals are known without the ledger: each line is one request of 176 uncached input, 1,024
/// cached and 300 output tokens (`GeneratedChatLog.line`).
enum FaultLog {
    static let lines = 200_000
    static let folder: URL = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-faults-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: FaultLog.folder) }
        return dir
    }()
    static let file: URL = {
        let url = folder.appendingPathComponent("chat-200k.jsonl")
        try? GeneratedChatLog.write(lines: lines, to: url)
        return url
    }()

    /// A private copy of the log (for tests that change it), at `url`.
    static func copy(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: file, to: url)
    }

    /// Appends lines `range` of the generated log to `url`.
    static func append(_ range: Range<Int>, to url: URL, tail: String = "") throws {
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((range.map { GeneratedChatLog.line($0) + "\n" }.joined() + tail).utf8))
        try handle.close()
    }
}

/// What the user sees of a failure: one line, "tokenledger: error: …", ending in a full stop, no trace.
func expectOneSentence(_ result: CLIRunner.Result, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
    let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
    #expect(lines.count == 1, "one line of error, got: \(result.stderr)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("tokenledger: error: ") && result.stderr.hasSuffix(".\n"), "\(result.stderr)", sourceLocation: sourceLocation)
    #expect(!result.stderr.contains("Fatal") && !result.stderr.contains("0x"), sourceLocation: sourceLocation)
}

/// Imports the 200,000-line log while things go wrong — kills, a second import, appends, rotation,
/// copies, a full disk, a read-only ledger — and checks after each that the ledger holds exactly
/// what the log holds (counted from the log itself, and through `report --json`), nothing lost,
/// nothing twice, and that any error is one sentence.
@Suite("Fault injection: a 200,000-line log imported while things go wrong", .serialized)
struct FaultInjectionCLITests {
    func ledgerURL(_ cli: CLIRunner) -> URL {
        URL(fileURLWithPath: cli.environment["TOKENLEDGER_DB"] ?? cli.environment["XDG_DATA_HOME"]! + "/tokenledger/ledger.sqlite")
    }

    func summary(_ result: CLIRunner.Result) throws -> JSONValue { try JSONParser.parse(result.stdout) }

    /// The ledger holds exactly `requests` generated requests: by its record count and by the
    /// report's token sums, against the per-line figures of the generated log.
    func expectTotals(_ cli: CLIRunner, requests: Int, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        #expect(try Ledger.openReadOnly(at: ledgerURL(cli)).recordCount() == requests, sourceLocation: sourceLocation)
        let report = try cli.run("report", "--json", "--since", "2000-01-01")
        #expect(report.status == 0, sourceLocation: sourceLocation)
        let rows = try #require(try JSONParser.parse(report.stdout)["rows"]?.array, sourceLocation: sourceLocation)
        let sum = { (key: String) in rows.reduce(0) { $0 + ($1[key]?.int ?? 0) } }
        #expect(sum("requests") == requests, sourceLocation: sourceLocation)
        #expect(sum("input_tokens") == 176 * requests && sum("cache_read_tokens") == 1024 * requests, sourceLocation: sourceLocation)
        #expect(sum("output_tokens") == 300 * requests, sourceLocation: sourceLocation)
    }

    func start(_ cli: CLIRunner, _ args: [String], output: Any? = FileHandle.nullDevice, errors: Any? = FileHandle.nullDevice) throws -> Process {
        let process = Process()
        process.executableURL = CLIRunner.binary
        process.arguments = args
        process.environment = cli.environment
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        return process
    }

    @Test("kill -9 at 20 moments of a running import, found by watching its progress, then a rerun: every line exactly once, the ledger consistent after each kill",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fdinfo"), "reads the import's progress from /proc"))
    func killedTwentyTimes() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let file = FaultLog.file
        let size = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64)

        // A fresh seed each run, printed; TOKENLEDGER_TEST_SEED=N replays a failing schedule.
        var random = SystemRandomNumberGenerator()
        let seed = ProcessInfo.processInfo.environment["TOKENLEDGER_TEST_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0..<1_000_000, using: &random)
        print("kill -9 schedule seed \(seed) (replay with TOKENLEDGER_TEST_SEED=\(seed))")
        var generator = SeededNumbers(seed: seed)
        var landedAt: [KillMoment.Kind: Int] = [:]
        var killedMidRead = 0
        var landed = 0
        var attempts = 0
        var rounds = 1
        // Kill until 20 kills have landed on a running import (at most 60 tries), cycling through the
        // kinds of moment; the seed picks where in the log or which commit. When an import ran to the end
        // before its moment came, its totals are checked and the next round starts on a new ledger.
        while landed < 20 && attempts < 60 {
            let kind = KillMoment.Kind.allCases[attempts % KillMoment.Kind.allCases.count]
            attempts += 1
            // Moments are placed in what is left to import: a rerun resumes after the last checkpoint.
            let resumed = (try? Ledger.openReadOnly(at: ledgerURL(cli))).flatMap { try? $0.checkpoint(forPath: file.path) }
            let done = resumed?.offset ?? 0
            let doneRecords = resumed?.line ?? 0
            let moment = KillMoment(kind: kind, offset: done + Int64(generator.next(upTo: Double(size - done))),
                                    records: doneRecords + 65_536 * (1 + Int(generator.next(upTo: Double(max(1, (FaultLog.lines - doneRecords) / 65_536))))))
            let process = try start(cli, ["import", file.path])
            let reached = moment.wait(for: process, log: file.path, ledger: ledgerURL(cli))
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let killed = process.terminationReason == .uncaughtSignal
            if killed && reached {
                landed += 1
                landedAt[kind, default: 0] += 1
            }
            guard let ledger = try? Ledger.openReadOnly(at: ledgerURL(cli)) else { continue }  // killed before its schema committed
            let committed = try ledger.recordCount()
            // Consistent: the checkpoint covers exactly the lines whose records committed.
            let line = try ledger.checkpoint(forPath: file.path)?.line ?? 0
            #expect(line == committed, "kill \(attempts) (seed \(seed), \(moment)): checkpoint line \(line), \(committed) records")
            if committed > 0 && committed < FaultLog.lines && killed { killedMidRead += 1 }
            if !killed || committed == FaultLog.lines {
                try expectTotals(cli, requests: FaultLog.lines)
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledgerURL(cli).path + suffix) }
                rounds += 1
            }
        }
        print("kill -9 schedule seed \(seed): \(landed) of \(attempts) kills landed at their moment (\(rounds) rounds), \(killedMidRead) after a commit and before the end, by kind \(landedAt)")
        #expect(landed == 20 && killedMidRead > 0, "the kills landed mid-import (seed \(seed))")
        for kind in KillMoment.Kind.allCases {
            #expect(landedAt[kind, default: 0] > 0, "no kill landed \(kind) (seed \(seed))")
        }
        let before = (try? Ledger.openReadOnly(at: ledgerURL(cli)).recordCount()) ?? 0
        let rerun = try cli.run("import", "--json", file.path)
        #expect(rerun.status == 0 && rerun.stderr.isEmpty)
        #expect(try summary(rerun)["imported"]?.int == FaultLog.lines - before)
        #expect(try summary(rerun)["duplicates"]?.int == 0)
        try expectTotals(cli, requests: FaultLog.lines)
    }

    @Test("two imports of the same file at once: every line exactly once")
    func twoAtOnce() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let pipes = [Pipe(), Pipe()]
        // Each run's stderr goes to a file (a pipe nobody reads could fill and stall it), shown on failure.
        let errorFiles = (0..<2).map { cli.home.appendingPathComponent("import-\($0).err") }
        for file in errorFiles { _ = FileManager.default.createFile(atPath: file.path, contents: nil) }
        let runs = try zip(pipes, errorFiles).map { pipe, file in
            try start(cli, ["import", "--json", FaultLog.file.path], output: pipe, errors: try FileHandle(forWritingTo: file))
        }
        var imported = 0
        for ((process, pipe), errorFile) in zip(zip(runs, pipes), errorFiles) {
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "\((try? String(contentsOf: errorFile, encoding: .utf8)) ?? "")")
            imported += try JSONParser.parse(String(decoding: data, as: UTF8.self))["imported"]?.int ?? 0
        }
        #expect(imported == FaultLog.lines)
        try expectTotals(cli, requests: FaultLog.lines)
    }

    @Test("appended to during the import, ending in a partial line completed later: every line exactly once")
    func appendedDuringImport() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let file = cli.home.appendingPathComponent("logs/chat.jsonl")
        try FaultLog.copy(to: file)
        let process = try start(cli, ["import", file.path])
        // 20,000 more lines in 20 writes while the import runs, the last ending mid-line.
        let extra = FaultLog.lines..<(FaultLog.lines + 20_000)
        for chunk in stride(from: extra.lowerBound, to: extra.upperBound, by: 1_000) {
            try FaultLog.append(chunk..<(chunk + 1_000), to: file)
            Thread.sleep(forTimeInterval: 0.05)
        }
        let last = GeneratedChatLog.line(extra.upperBound)
        let cut = last.index(last.startIndex, offsetBy: 100)
        try FaultLog.append(0..<0, to: file, tail: String(last[..<cut]))
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        // The partial line is still being written (the file changed just now): it waits.
        let second = try cli.run("import", "--json", file.path)
        #expect(second.status == 0 && second.stderr.isEmpty)
        #expect(try summary(second)["duplicates"]?.int == 0 && summary(second)["quarantined"]?.int == 0)
        try expectTotals(cli, requests: extra.upperBound)

        try FaultLog.append(0..<0, to: file, tail: String(last[cut...]) + "\n")
        let third = try cli.run("import", "--json", file.path)
        #expect(try summary(third)["imported"]?.int == 1 && summary(third)["duplicates"]?.int == 0)
        try expectTotals(cli, requests: extra.upperBound + 1)
    }

    @Test("copied to a second path, truncated and rewritten in place, rotated by rename: nothing twice, nothing lost")
    func rotatedAndCopied() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let folder = cli.home.appendingPathComponent("logs")
        let file = folder.appendingPathComponent("chat.jsonl")
        try FaultLog.copy(to: file)
        #expect(try cli.run("import", file.path).status == 0)
        try expectTotals(cli, requests: FaultLog.lines)

        // The same content at a second path adds nothing.
        try FileManager.default.copyItem(at: file, to: folder.appendingPathComponent("copy-of-chat.jsonl"))
        let copied = try cli.run("import", "--json", folder.path)
        #expect(try summary(copied)["imported"]?.int == 0 && summary(copied)["duplicates"]?.int == FaultLog.lines)
        try expectTotals(cli, requests: FaultLog.lines)

        // copytruncate: the same inode emptied and written again with new requests.
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 0)
        try handle.close()
        try FaultLog.append(300_000..<301_000, to: file)
        let truncated = try cli.run("import", "--json", file.path)
        #expect(try summary(truncated)["imported"]?.int == 1_000 && summary(truncated)["duplicates"]?.int == 0)
        try expectTotals(cli, requests: FaultLog.lines + 1_000)

        // Rotation by rename: chat.jsonl → chat.jsonl.1 (already read), a new chat.jsonl.
        try FileManager.default.moveItem(at: file, to: folder.appendingPathComponent("chat.1.jsonl"))
        _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        try FaultLog.append(400_000..<400_500, to: file)
        let rotated = try cli.run("import", "--json", folder.path)
        #expect(rotated.status == 0 && rotated.stderr.isEmpty)
        #expect(try summary(rotated)["imported"]?.int == 500 && summary(rotated)["duplicates"]?.int == 1_000)
        try expectTotals(cli, requests: FaultLog.lines + 1_500)
    }

    @Test("the ledger's disk fills up mid-import: one sentence, a consistent ledger, and a rerun with space finishes it",
          .enabled(if: SmallFileSystem.canMount, "a full disk is a small tmpfs: needs root and the right to mount (CI has both)"))
    func diskFull() throws {
        let mount = try SmallFileSystem(megabytes: 6)
        defer { mount.remove() }
        let cli = try CLIRunner(environment: ["TOKENLEDGER_DB": mount.path + "/ledger.sqlite"])
        defer { cli.cleanUp() }
        let full = try cli.run("import", FaultLog.file.path)
        #expect(full.status == 1)
        expectOneSentence(full)
        #expect(full.stderr.contains("could not write to the ledger") && full.stderr.contains("disk"))
        // Whatever committed is whole: the checkpoint covers exactly the committed records.
        try mount.resize(megabytes: 1024)
        let ledger = try Ledger.openReadOnly(at: ledgerURL(cli))
        let committed = try ledger.recordCount()
        #expect(try ledger.checkpoint(forPath: FaultLog.file.path)?.line ?? 0 == committed)
        let rerun = try cli.run("import", "--json", FaultLog.file.path)
        #expect(rerun.status == 0 && rerun.stderr.isEmpty)
        #expect(try summary(rerun)["imported"]?.int == FaultLog.lines - committed)
        try expectTotals(cli, requests: FaultLog.lines)
    }

    @Test("a read-only ledger: reports read it, an import is one sentence and changes nothing; writable again, the import finishes",
          .enabled(if: geteuid() != 0 || SmallFileSystem.canMount,
                   "root ignores file modes, so as root the ledger is made read-only by remounting a tmpfs, which needs the right to mount"))
    func readOnlyLedger() throws {
        let mount = geteuid() == 0 ? try SmallFileSystem(megabytes: 1024) : nil
        defer { mount?.remove() }
        let dir = mount?.path ?? FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-ro-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cli = try CLIRunner(environment: ["TOKENLEDGER_DB": dir + "/ledger.sqlite"])
        defer { cli.cleanUp() }
        let head = cli.home.appendingPathComponent("head.jsonl")
        try GeneratedChatLog.write(lines: 1_000, to: head)
        #expect(try cli.run("import", head.path).status == 0)

        // Root ignores file modes, so as root the file system itself is made read-only.
        if let mount { try mount.setReadOnly(true) } else { try setWritable(false, dir) }
        let refused = try cli.run("import", FaultLog.file.path)
        #expect(refused.status == 1)
        expectOneSentence(refused)
        // Said as what it is (not "cannot open … as a TokenLedger database").
        #expect(refused.stderr.contains("cannot be written") || refused.stderr.contains("could not write to the ledger"), "\(refused.stderr)")
        // Reading still works where SQLite cannot make its -shm file (a ledger copied onto read-only
        // media has none): the report shows the first 1,000.
        if let mount { try mount.setReadOnly(false) } else { try setWritable(true, dir) }
        try? FileManager.default.removeItem(atPath: dir + "/ledger.sqlite-shm")
        if let mount { try mount.setReadOnly(true) } else { try setWritable(false, dir) }
        #expect(!FileManager.default.fileExists(atPath: dir + "/ledger.sqlite-shm"))
        try expectTotals(cli, requests: 1_000)
        if let mount { try mount.setReadOnly(false) } else { try setWritable(true, dir) }
        try expectTotals(cli, requests: 1_000)

        let rerun = try cli.run("import", "--json", FaultLog.file.path)
        #expect(rerun.status == 0)
        #expect(try summary(rerun)["imported"]?.int == FaultLog.lines - 1_000 && summary(rerun)["duplicates"]?.int == 1_000)
        try expectTotals(cli, requests: FaultLog.lines)
    }

    func setWritable(_ writable: Bool, _ dir: String) throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).map { dir + "/" + $0 }
        for path in files { try FileManager.default.setAttributes([.posixPermissions: writable ? 0o600 : 0o400], ofItemAtPath: path) }
        try FileManager.default.setAttributes([.posixPermissions: writable ? 0o700 : 0o500], ofItemAtPath: dir)
    }
}

/// Delays from a seed, so a failing kill schedule can be told apart in the message.
/// A moment of a running import to kill it at, recognised from outside the process by the import's
/// own progress rather than by elapsed time: how far it has read the log (the kernel's position of its
/// descriptor, `/proc/PID/fdinfo`) and how many records it has committed to the ledger.
struct KillMoment: CustomStringConvertible {
    enum Kind: CaseIterable, Hashable {
        /// At once: before the import has opened the ledger.
        case started
        /// As soon as the import has the ledger file open: creating or migrating its schema, reading checkpoints.
        case ledgerOpened
        /// When the reader has read past `offset` bytes of the log: records in flight, not yet committed.
        case readPast
        /// Just after the ledger holds `records` records (a batch commits every 65,536 rows).
        case committed
    }
    let kind: Kind
    let offset: Int64
    let records: Int

    var description: String {
        switch kind {
        case .started: "at start"
        case .ledgerOpened: "when the ledger was opened"
        case .readPast: "after reading \(offset) bytes"
        case .committed: "after \(records) records committed"
        }
    }

    /// Waits until the moment has come (true) or the import has ended first (false).
    func wait(for process: Process, log: String, ledger: URL) -> Bool {
        let pid = process.processIdentifier
        let logPath = URL(fileURLWithPath: log).resolvingSymlinksInPath().path
        let ledgerPath = ledger.resolvingSymlinksInPath().path
        while process.isRunning {
            switch kind {
            case .started:
                return true
            case .ledgerOpened:
                if Self.readPosition(pid: pid, of: ledgerPath) != nil { return true }
            case .readPast:
                if let position = Self.readPosition(pid: pid, of: logPath), position > offset { return true }
            case .committed:
                if let count = try? Ledger.openReadOnly(at: ledger).recordCount(), count >= records { return true }
            }
            usleep(kind == .committed ? 2_000 : 100)
        }
        return false
    }

    /// The file position of `pid`'s open descriptor on `path` (nil when it has none open).
    static func readPosition(pid: Int32, of path: String) -> Int64? {
        let folder = "/proc/\(pid)/fd"
        guard let descriptors = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        for fd in descriptors {
            guard (try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(fd)")) == path,
                  let info = try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8),
                  let line = info.split(separator: "\n").first(where: { $0.hasPrefix("pos:") })
            else { continue }
            return Int64(line.dropFirst(4).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }
}

struct SeededNumbers {
    var state: UInt64
    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next(upTo limit: Double) -> Double {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Double(state >> 11) / Double(1 << 53) * limit
    }
}

/// A size-limited tmpfs mounted in a temporary folder, for a full or read-only disk. Needs root and the
/// right to mount: tests that use it are enabled only where `canMount` is true, and fail (rather than
/// pass silently) if a mount then goes wrong.
struct SmallFileSystem {
    let path: String

    /// True when this process can mount a tmpfs (root with CAP_SYS_ADMIN), probed once with a 1 MB mount.
    static let canMount: Bool = {
        guard geteuid() == 0, let probe = try? SmallFileSystem(megabytes: 1) else { return false }
        probe.remove()
        return true
    }()

    init(megabytes: Int) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-tmpfs-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        guard SmallFileSystem.mount(["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path]) else {
            try? FileManager.default.removeItem(atPath: path)
            throw CocoaError(.fileWriteNoPermission)
        }
    }

    func resize(megabytes: Int) throws {
        guard SmallFileSystem.mount(["-o", "remount,size=\(megabytes)m", path]) else { throw CocoaError(.fileWriteUnknown) }
    }

    func setReadOnly(_ readOnly: Bool) throws {
        guard SmallFileSystem.mount(["-o", readOnly ? "remount,ro" : "remount,rw", path]) else { throw CocoaError(.fileWriteUnknown) }
    }

    func remove() {
        _ = SmallFileSystem.run("/bin/umount", [path])
        try? FileManager.default.removeItem(atPath: path)
    }

    static func mount(_ args: [String]) -> Bool { run("/bin/mount", args) }

    static func run(_ tool: String, _ args: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = args
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
