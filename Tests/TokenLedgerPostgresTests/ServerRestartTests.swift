import Foundation
import Testing
@testable import TokenLedgerPostgres

/// A PostgreSQL cluster of the test's own (initdb + pg_ctl from Debian's packages, as `.ci/run`
/// starts one), so a test can restart the server without disturbing the shared test server.
/// Stopped and deleted in `deinit`.
final class ThrowawayCluster {
    /// Why no cluster can be made here, or nil when one can.
    static let unavailableReason: String? = {
        guard binaries != nil else { return "no initdb/pg_ctl under /usr/lib/postgresql/*/bin (Debian's postgresql package)" }
        if getuid() == 0 && runAs == nil { return "running as root and no 'postgres' or 'tokenledger-ci' user to run the server as" }
        return nil
    }()

    /// The newest `/usr/lib/postgresql/<version>/bin` with initdb.
    static let binaries: URL? = {
        let root = URL(fileURLWithPath: "/usr/lib/postgresql")
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return versions.compactMap(Int.init).sorted().reversed().lazy
            .map { root.appendingPathComponent("\($0)/bin") }
            .first { FileManager.default.isExecutableFile(atPath: $0.appendingPathComponent("initdb").path) }
    }()

    /// initdb refuses to run as root: the user the server runs as when the tests run as root.
    static let runAs: String? = {
        guard getuid() == 0 else { return nil }
        return ["postgres", "tokenledger-ci"].first { getpwnam($0) != nil }
    }()

    let directory: URL
    let url: String
    let password = "restart-\(UUID().uuidString.prefix(8))"

    init() throws {
        let bin = try #require(Self.binaries)
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let pwfile = directory.appendingPathComponent("pwfile")
        try Data((password + "\n").utf8).write(to: pwfile)
        if let user = Self.runAs {
            for path in [directory.path, pwfile.path] {
                try FileManager.default.setAttributes([.ownerAccountName: user], ofItemAtPath: path)
            }
        }
        let port = try FreePort.find()
        try Self.run(bin.appendingPathComponent("initdb").path, ["-D", directory.appendingPathComponent("data").path, "-U", "tokenledger",
                     "--pwfile=\(pwfile.path)", "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-locale"])
        try Self.run(bin.appendingPathComponent("pg_ctl").path, ["-D", directory.appendingPathComponent("data").path, "-l",
                     directory.appendingPathComponent("server.log").path, "-w", "-o",
                     "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory.path) -c fsync=off", "start"])
        url = "postgres://tokenledger:\(password)@127.0.0.1:\(port)/postgres?sslmode=disable"
    }

    /// `pg_ctl restart -m fast`: every session is ended at once, as an administrator's restart does.
    func restart() throws {
        try Self.run(Self.binaries!.appendingPathComponent("pg_ctl").path, ["-D", directory.appendingPathComponent("data").path, "-m", "fast", "-w", "restart"])
    }

    deinit {
        try? Self.run(Self.binaries!.appendingPathComponent("pg_ctl").path, ["-D", directory.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs a PostgreSQL program (as `runAs` when root); throws with its output when it fails.
    ///
    /// Not with Foundation's `Process`: it learns that a child ended from a descriptor the child
    /// inherits, and the server `pg_ctl start` leaves running inherits it too, so the wait would last
    /// as long as the server. Here bash closes every descriptor above 2 before running the program,
    /// and `waitpid` waits for bash alone.
    private static func run(_ program: String, _ arguments: [String]) throws {
        let command = (runAs.map { ["/usr/sbin/runuser", "-u", $0, "--"] } ?? []) + [program] + arguments
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-pgctl-\(UUID().uuidString).log")
        defer { try? FileManager.default.removeItem(at: log) }
        let script = #"log="$1"; shift; for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done; exec "$@" >"$log" 2>&1 </dev/null"#
        let argv = ["/bin/bash", "-c", script, "bash", log.path] + command
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, "/bin/bash", nil, nil, cArguments, environ) == 0 else {
            throw ClusterError(text: "cannot start /bin/bash for \(program)")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // Exited normally with status 0: the low 7 bits (signal) and the exit code byte are zero.
        if status != 0 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw ClusterError(text: "\(program) \(arguments.joined(separator: " ")): \(text)")
        }
    }

    struct ClusterError: Error { let text: String }
}

/// The server restarted (`pg_ctl restart -m fast`) in the middle of a push and of a direct import:
/// the command ends with one sentence and exit 1 — it never hangs — and a rerun completes with every
/// record exactly once.
///
/// The moment is hit without sleeping on luck: once the first batch is committed, the test takes the
/// write lock every batch waits for, sees the command's next batch waiting for it inside its
/// transaction, and restarts the server then. One test at a time: each holds a thread of the test
/// pool for its whole run (about 25 s).
@Suite("server restarted mid-command", .serialized, .enabled(if: ThrowawayCluster.unavailableReason == nil, "\(ThrowawayCluster.unavailableReason ?? "")"))
struct ServerRestartTests {
    /// Runs the CLI in the background with a private HOME.
    static func start(_ args: [String], home: URL) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = TeamLedgerCLITests.binary
        process.arguments = args
        process.currentDirectoryURL = TeamLedgerCLITests.packageRoot
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": home.path, "XDG_DATA_HOME": home.appendingPathComponent("data").path,
                               "XDG_CONFIG_HOME": home.appendingPathComponent("config").path, "TZ": "UTC", "TOKENLEDGER_MACHINE": "alice-laptop"]
        let err = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        try process.run()
        return (process, err)
    }

    /// Waits until the team ledger holds a committed batch, then takes the write lock every batch
    /// takes and waits until the command's next batch waits for it, inside its transaction. Returns
    /// the connection holding the lock (the lock lasts as long as it) and the records stored by then.
    /// Every wait is bounded (60 s).
    static func holdBetweenBatches(_ address: TeamLedgerAddress, while process: Process) throws -> (PostgresConnection, Int) {
        let deadline = Date().addingTimeInterval(60)
        let connection = try PostgresConnection(settings: address.connectionSettings())
        var stored = 0
        while stored == 0 && process.isRunning && Date() < deadline {
            usleep(10_000)
            // (Until the command has created the schema, the query fails: nothing stored yet.)
            stored = Int((try? connection.execute("SELECT count(*) FROM usage_record").int64(0, 0)) ?? 0)
        }
        try connection.execute("SELECT pg_advisory_lock($1)", [TeamLedgerSchema.writeLock])
        var waiting = false
        while !waiting && process.isRunning && Date() < deadline {
            usleep(10_000)
            waiting = try connection.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").requiredInt64(0, 0) > 0
        }
        #expect(waiting, "the command finished before its next batch could be held; make the input longer")
        return (connection, Int(try connection.execute("SELECT count(*) FROM usage_record").requiredInt64(0, 0)))
    }

    /// Waits (at most 60 s) for `process` to end; kills it and records an issue if it hangs.
    static func finish(_ process: Process, _ err: Pipe) -> (status: Int32, err: String) {
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            Issue.record("the command still runs 60 s after the server restarted: it hangs")
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    static func expectOneSentence(_ result: (status: Int32, err: String), password: String) {
        #expect(result.status == 1, "exit \(result.status): \(result.err)")
        let lines = result.err.split(separator: "\n")
        #expect(lines.count == 1, "\(result.err)")
        #expect(result.err.contains("lost the connection to the team ledger"), "\(result.err)")
        #expect(result.err.contains("run the same command again"), "\(result.err)")
        #expect(!result.err.contains(password))
    }

    @Test("push: one sentence, exit 1; the rerun sends the rest, every record once")
    func push() throws {
        let cluster = try ThrowawayCluster()
        let address = try TeamLedgerAddress(parsing: cluster.url)
        let home = try TeamImportTests.folder()
        defer { try? FileManager.default.removeItem(at: home) }
        let total = 20_000
        let log = home.appendingPathComponent("responses.jsonl")
        try Data(TeamImportTests.lines(0..<total).utf8).write(to: log)
        #expect(try TeamLedgerCLITests.run(["import", log.path], home: home).status == 0)

        let (process, err) = try Self.start(["push", "--to", cluster.url, "--batch-size", "500"], home: home)
        let (lock, before) = try Self.holdBetweenBatches(address, while: process)
        try cluster.restart()
        withExtendedLifetime(lock) {}
        #expect(before > 0 && before < total, "\(before) records stored before the restart")
        Self.expectOneSentence(Self.finish(process, err), password: cluster.password)

        let rerun = try TeamLedgerCLITests.run(["push", "--to", cluster.url, "--json"], home: home,
                                               environment: ["TOKENLEDGER_MACHINE": "alice-laptop"])
        #expect(rerun.status == 0, "\(rerun.err)")
        #expect(rerun.out.contains("\"inserted\": \(total - before)"), "\(rerun.out)")
        let team = try TeamLedger.connect(address, machine: "alice-laptop")
        #expect(try team.recordCount() == total)
        let rows = try team.connection.execute("SELECT count(DISTINCT dedup_key), (SELECT sum(records) FROM report_rollup)::bigint FROM usage_record")
        #expect(try rows.int64(0, 0) == Int64(total) && rows.int64(0, 1) == Int64(total))
    }

    @Test("import --db postgres://: one sentence, exit 1; the rerun imports the rest, every record once")
    func directImport() throws {
        let cluster = try ThrowawayCluster()
        let address = try TeamLedgerAddress(parsing: cluster.url)
        let home = try TeamImportTests.folder()
        defer { try? FileManager.default.removeItem(at: home) }
        let total = 40_000
        let log = home.appendingPathComponent("responses.jsonl")
        try Data(TeamImportTests.lines(0..<total).utf8).write(to: log)

        let (process, err) = try Self.start(["import", log.path, "--db", cluster.url], home: home)
        let (lock, before) = try Self.holdBetweenBatches(address, while: process)
        try cluster.restart()
        withExtendedLifetime(lock) {}
        #expect(before > 0 && before < total && before % 4_096 == 0, "\(before) records stored before the restart: whole batches only")
        Self.expectOneSentence(Self.finish(process, err), password: cluster.password)

        let rerun = try TeamLedgerCLITests.run(["import", log.path, "--db", cluster.url, "--json"], home: home,
                                               environment: ["TOKENLEDGER_MACHINE": "alice-laptop"])
        #expect(rerun.status == 0, "\(rerun.err)")
        #expect(rerun.out.contains("\"imported\": \(total - before)") && rerun.out.contains("\"duplicates\": 0"), "\(rerun.out)")
        let team = try TeamLedger.connect(address, machine: "alice-laptop")
        #expect(try team.recordCount() == total)
        let rows = try team.connection.execute("SELECT count(DISTINCT dedup_key), (SELECT sum(records) FROM report_rollup)::bigint FROM usage_record")
        #expect(try rows.int64(0, 0) == Int64(total) && rows.int64(0, 1) == Int64(total))
    }
}
