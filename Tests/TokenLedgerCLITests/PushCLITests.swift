import Foundation
import Testing

/// `push` and `--db postgres://` as a user meets them without a server: clear sentences, right exit
/// codes, the password never shown, and the local ledger left as it was. (Against a real server:
/// TokenLedgerPostgresTests' TeamLedgerCLITests.)
@Suite("tokenledger push and postgres:// without a server")
struct PushCLITests {
    /// A TCP port on 127.0.0.1 that nothing listens on (bound, noted, closed).
    static func closedPort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }

    @Test("a refused connection: one sentence, exit 1, no password, the local ledger unchanged")
    func refused() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        #expect(try cli.run("import", CLIRunner.fixture("fixtures/logs/openai-chat")).status == 0)
        let before = try cli.run("report", "--format", "csv")
        let url = "postgres://alice:s3cr3t-pw@127.0.0.1:\(Self.closedPort())/team?sslmode=disable"
        let push = try cli.run("push", "--to", url)
        #expect(push.status == 1)
        #expect(push.stderr.hasPrefix("tokenledger: error: cannot reach the team ledger at postgres://alice:***@127.0.0.1:"))
        #expect(push.stderr.contains("failed: Connection refused)"), "\(push.stderr)")
        #expect(push.stderr.split(separator: "\n").count == 1)
        #expect(!push.stderr.contains("s3cr3t-pw") && !push.stdout.contains("s3cr3t-pw"))
        #expect(try cli.run("report", "--format", "csv").stdout == before.stdout)

        let report = try cli.run("report", "--db", url)
        #expect(report.status == 1 && !report.stderr.contains("s3cr3t-pw"))
    }

    @Test("push from a team ledger (--db postgres://) says it needs a local ledger (exit 2) instead of making a file named postgres:")
    func unsupported() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let result = try cli.run("push", "--to", "postgres://u:pw@127.0.0.1:1/team", "--db", "postgres://u:pw@127.0.0.1:1/x")
        #expect(result.status == 2)
        #expect(result.stderr.contains("does not work on a PostgreSQL team ledger yet"))
        #expect(!FileManager.default.fileExists(atPath: CLIRunner.packageRoot.appendingPathComponent("postgres:").path))
    }

    @Test("import, import --quarantine and reprice with an unreachable team ledger: one sentence, exit 1, no password, no file named postgres:")
    func importUnreachable() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let url = "postgres://alice:s3cr3t-pw@127.0.0.1:\(Self.closedPort())/team?sslmode=disable"
        for args in [["import", CLIRunner.fixture("fixtures/logs/openai-chat")], ["import", "--quarantine"], ["reprice"], ["reprice", "--dry-run"]] {
            let result = try cli.run(args + ["--db", url])
            #expect(result.status == 1, "\(args)")
            #expect(result.stderr.hasPrefix("tokenledger: error: cannot reach the team ledger at postgres://alice:***@127.0.0.1:"), "\(args)")
            #expect(!result.stderr.contains("s3cr3t-pw") && !result.stdout.contains("s3cr3t-pw"))
        }
        #expect(!FileManager.default.fileExists(atPath: CLIRunner.packageRoot.appendingPathComponent("postgres:").path))
    }

    @Test("import --machine on a local ledger, or with an empty name, is a usage error that names the fix")
    func machineNeedsTeamLedger() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let local = try cli.run("import", "--machine", "alice-laptop", CLIRunner.fixture("fixtures/logs/openai-chat"))
        #expect(local.status == 2 && local.stderr.contains("--machine names this machine in a team ledger; give --db postgres://"))
        let empty = try cli.run("import", "--machine", " ", "--db", "postgres://u@127.0.0.1:1/x", CLIRunner.fixture("fixtures/logs/openai-chat"))
        #expect(empty.status == 2 && empty.stderr.contains("--machine needs a name"))
        #expect(try cli.run("report", "--format", "csv").stdout.split(separator: "\n").count <= 1)
    }

    @Test("push without a destination, or to a non-postgres URL, is a usage error")
    func noDestination() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let none = try cli.run("push")
        #expect(none.status == 2 && none.stderr.contains("TOKENLEDGER_TEAM_DB"))
        let file = try cli.run("push", "--to", "/tmp/other.sqlite")
        #expect(file.status == 2 && file.stderr.contains("is not a postgres:// URL"))
        let badMode = try cli.run("push", "--to", "postgres://u:hunter2@h/db?sslmode=maybe")
        #expect(badMode.status == 2 && badMode.stderr.contains("sslmode 'maybe'") && !badMode.stderr.contains("hunter2"))
    }

    @Test("--by machine on a local ledger is a usage error naming the team ledger")
    func byMachineLocal() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        _ = try cli.run("import", CLIRunner.fixture("fixtures/logs/openai-chat"))
        let result = try cli.run("report", "--by", "machine")
        #expect(result.status == 2 && result.stderr.contains("--by machine needs a team ledger"))
    }
}
