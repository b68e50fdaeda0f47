import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerPostgres

/// The built `tokenledger` binary against the test server: import locally, push, report from the team ledger.
@Suite("tokenledger push and report --db postgres:// end to end", .enabled(if: TestServer.available, TestServer.skipReason))
struct TeamLedgerCLITests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let binary: URL = {
        var dir = Bundle.main.bundleURL
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("tokenledger")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir.deleteLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug/tokenledger")
    }()

    /// Runs the binary with a private HOME (so a private local ledger) and returns status, stdout, stderr.
    static func run(_ args: [String], home: URL, environment extra: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = args
        process.currentDirectoryURL = packageRoot
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": home.path, "XDG_DATA_HOME": home.appendingPathComponent("data").path,
                               "XDG_CONFIG_HOME": home.appendingPathComponent("config").path, "TZ": "UTC"].merging(extra) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test("import → push (twice) → the same report from both ledgers in every format; --by machine; password never printed")
    func endToEnd() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let url = db.address.url
        let password = try #require(db.address.password)

        #expect(try Self.run(["import", Self.packageRoot.appendingPathComponent("fixtures/logs").path], home: home).status == 0)
        let first = try Self.run(["push", "--to", url, "--machine", "alice-laptop", "--json"], home: home)
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("\"machine\": \"alice-laptop\""))
        #expect(!first.out.contains(password) && !first.err.contains(password))
        let again = try Self.run(["push", "--to", url, "--machine", "alice-laptop"], home: home)
        #expect(again.status == 0 && again.out.contains(": 0 new, 0 replaced,"))

        for format in ["table", "csv", "json", "markdown", "html", "prometheus"] {
            // --quiet: without the local ledger's import freshness, which a team ledger does not report.
            let args = ["report", "--by", "model,effort", "--format", format, "--reconcile", "--quiet"]
            let local = try Self.run(args, home: home)
            let team = try Self.run(args + ["--db", url], home: home)
            #expect(team.status == 0 && local.status == 0)
            #expect(team.out == local.out, "\(format) differs between the local and the team ledger")
        }
        let byMachine = try Self.run(["report", "--by", "machine", "--format", "csv"], home: home, environment: ["TOKENLEDGER_DB": url])
        #expect(byMachine.status == 0)
        #expect(byMachine.out.split(whereSeparator: \.isNewline).dropFirst().first?.hasPrefix("alice-laptop,") == true, "\(byMachine.out)\(byMachine.err)")
    }

    @Test("a report on a team ledger says when each machine last imported each source and last pushed, in every format that carries freshness")
    func teamFreshness() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let url = db.address.url
        let chat = Self.packageRoot.appendingPathComponent("fixtures/logs/openai-chat").path
        // alice-laptop imports straight into the team ledger; ci pushes its local ledger.
        #expect(try Self.run(["import", chat, "--db", url], home: home, environment: ["TOKENLEDGER_MACHINE": "alice-laptop"]).status == 0)
        let claude = Self.packageRoot.appendingPathComponent("fixtures/logs/claude-code").path
        #expect(try Self.run(["import", claude], home: home).status == 0)
        #expect(try Self.run(["push", "--to", url, "--machine", "ci"], home: home).status == 0)

        let table = try Self.run(["report", "--db", url], home: home)
        #expect(table.status == 0, "\(table.err)")
        let line = table.out.split(separator: "\n").last.map(String.init) ?? ""
        #expect(line.hasPrefix("Data as of ") && line.contains("(last import: "), "\(table.out)")
        #expect(line.contains("openai-chat on alice-laptop just now") && line.contains("push from ci just now"), "\(line)")
        #expect(!line.contains("claude-code"), "a push does not say which logs its records came from: \(line)")

        let json = try JSONParser.parse(try Self.run(["report", "--db", url, "--json"], home: home).out)
        let sources = json["freshness"]?["sources"]?.array ?? []
        #expect(Set(sources.compactMap { s in s["source"]?.string.flatMap { name in s["machine"]?.string.map { "\(name)@\($0)" } } })
            == ["openai-chat@alice-laptop", "push@ci"])
        #expect(json["freshness"]?["as_of"] == sources.first?["last_import"])
        let gauge = try Self.run(["report", "--db", url, "--format", "prometheus"], home: home).out
        #expect(gauge.contains("tokenledger_last_import_timestamp_seconds{source=\"push\",machine=\"ci\"} "), "\(gauge)")
        let markdown = try Self.run(["report", "--db", url, "--format", "markdown"], home: home).out
        #expect(markdown.contains("push from ci"))
        // --quiet: the spend alone, as on a local ledger.
        #expect(!(try Self.run(["report", "--db", url, "--quiet"], home: home).out.contains("Data as of")))
    }

    @Test("import --db postgres:// twice, sync with TOKENLEDGER_DB, import --quarantine: the team ledger reports as the local one")
    func importIntoTeamLedger() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home.appendingPathComponent("config/tokenledger"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let url = db.address.url
        let password = try #require(db.address.password)
        let logs = Self.packageRoot.appendingPathComponent("fixtures/logs/openai-chat").path
        let machine = ["TOKENLEDGER_MACHINE": "alice-laptop"]

        let first = try Self.run(["import", logs, "--db", url], home: home, environment: machine)
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.hasPrefix("Imported ") && !first.out.hasPrefix("Imported 0 "))
        #expect(first.err.contains("responses.jsonl:6:"))
        #expect(!first.out.contains(password) && !first.err.contains(password))
        let again = try Self.run(["import", logs, "--db", url], home: home, environment: machine)
        #expect(again.status == 0 && again.out.hasPrefix("Imported 0 records from 0 files"), "\(again.out)")
        let quarantine = try Self.run(["import", "--quarantine", "--json"], home: home, environment: machine.merging(["TOKENLEDGER_DB": url]) { $1 })
        #expect(quarantine.status == 0 && quarantine.out.contains("responses.jsonl") && quarantine.out.contains("\"line\": 6"))

        // sync of the same folder as a [[source]], as another machine: nothing new, the books unchanged.
        try Data("[[source]]\npath = \"\(logs)\"\n".utf8).write(to: home.appendingPathComponent("config/tokenledger/config.toml"))
        let sync = try Self.run(["sync", "--verbose"], home: home, environment: ["TOKENLEDGER_DB": url, "TOKENLEDGER_MACHINE": "ci-runner"])
        #expect(sync.status == 0 && sync.out.contains("Imported 0 records"), "\(sync.out)\(sync.err)")
        // --machine names the machine instead of the environment: a third set of checkpoints.
        let named = try Self.run(["sync", "--machine", "gateway"], home: home, environment: ["TOKENLEDGER_DB": url, "TOKENLEDGER_MACHINE": "ci-runner"])
        #expect(named.status == 0, "\(named.err)")
        #expect(try db.texts("SELECT DISTINCT machine FROM import_file ORDER BY 1") == ["alice-laptop", "ci-runner", "gateway"])
        #expect(try db.texts("SELECT DISTINCT machine FROM usage_record") == ["alice-laptop"])

        #expect(try Self.run(["import", logs], home: home).status == 0)
        for format in ["table", "csv", "json"] {
            let args = ["report", "--by", "model,effort", "--format", format, "--quiet"]
            let local = try Self.run(args, home: home)
            let team = try Self.run(args + ["--db", url], home: home)
            #expect(team.status == 0 && team.out == local.out, "\(format) differs between the local and the team ledger")
        }
    }

    @Test("reprice --db postgres:// after a user price table appears: the same table and JSON as the local reprice, then the same reports")
    func repriceTeamLedger() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-\(UUID().uuidString)")
        let prices = home.appendingPathComponent("config/tokenledger/prices")
        try FileManager.default.createDirectory(at: prices, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let url = db.address.url
        let log = home.appendingPathComponent("chat.jsonl")
        try Data("""
            {"id":"chatcmpl-GPT9a000000000000000001","object":"chat.completion","created":1796205600,"model":"gpt-9-mini","choices":[],"usage":{"prompt_tokens":100000,"completion_tokens":5000,"total_tokens":105000,"prompt_tokens_details":{"cached_tokens":90000}}}
            {"id":"chatcmpl-GPT9b000000000000000002","object":"chat.completion","created":1795168800,"model":"gpt-9-mini","choices":[],"usage":{"prompt_tokens":2000,"completion_tokens":1000,"total_tokens":3000}}

            """.utf8).write(to: log)
        let logs = [log.path, Self.packageRoot.appendingPathComponent("fixtures/logs/openai-chat").path]
        #expect(try Self.run(["import"] + logs, home: home).status == 0)
        #expect(try Self.run(["import"] + logs + ["--db", url], home: home).status == 0)

        // A user table prices the model both ledgers hold unpriced (2026-12-02 only: the other is earlier).
        try Data("""
            [table]
            provider = "openai"
            channel = "official"
            source = "https://openai.com/api/pricing/"
            checked = "2026-12-01"

            [[model]]
            id = "gpt-9-mini"
            encoding = "o200k_base"

            [[model.period]]
            from = "2026-12-01"
            input = 0.30
            cached_input = 0.03
            output = 1.20
            """.utf8).write(to: prices.appendingPathComponent("mine.toml"))
        for args in [["reprice", "--dry-run"], ["reprice", "--dry-run", "--json"], ["reprice"]] {
            let local = try Self.run(args, home: home)
            let team = try Self.run(args + ["--db", url], home: home)
            #expect(local.status == 0 && team.status == 0, "\(team.err)")
            #expect(team.out == local.out, "\(args.joined(separator: " ")) differs between the local and the team ledger")
            // Both gpt-9-mini records change: one is priced, the earlier one's unpriced reason changes.
            #expect(team.out.contains("2 records") || team.out.contains("\"changed\": 2"))
        }
        let again = try Self.run(["reprice", "--db", url], home: home)
        #expect(again.status == 0 && again.out.contains("Every stored cost already matches the current prices."))
        let local = try Self.run(["report", "--json", "--quiet"], home: home)
        let team = try Self.run(["report", "--json", "--quiet", "--db", url], home: home)
        #expect(team.out == local.out && team.out.contains("0.0117"))

        // prices update --reprice with the team ledger: a genai-prices file changes gpt-9-mini's price
        // and prices its earlier record; the team ledger is repriced as the local one.
        let source = home.appendingPathComponent("genai.json")
        try Data("""
            [{"id": "openai", "name": "OpenAI", "models": [
              {"id": "gpt-9-mini", "prices": [{"constraint": null, "prices": {"input_mtok": 0.30, "cache_read_mtok": 0.03, "output_mtok": 1.2}},
                                              {"constraint": {"start_date": "2026-12-01"}, "prices": {"input_mtok": 0.25, "cache_read_mtok": 0.025, "output_mtok": 1}}]}]}]
            """.utf8).write(to: source)
        try FileManager.default.removeItem(at: prices.appendingPathComponent("mine.toml"))
        let update = try Self.run(["prices", "update", source.path, "--reprice", "--db", url], home: home)
        #expect(update.status == 0 && update.out.contains("Repriced 2 records."), "\(update.out)\(update.err)")
        #expect(try Self.run(["reprice"], home: home).out.contains("Repriced 2 records."))
        let localAfter = try Self.run(["report", "--json", "--quiet"], home: home)
        let teamAfter = try Self.run(["report", "--json", "--quiet", "--db", url], home: home)
        #expect(teamAfter.out == localAfter.out && teamAfter.out.contains("0.01155"))
    }

    @Test("import --db postgres:// killed (SIGKILL) after its first committed batches, then run again: each record once")
    func killedImport() async throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let url = db.address.url
        let total = 40_000
        let log = home.appendingPathComponent("responses.jsonl")
        try Data(TeamImportTests.lines(0..<total).utf8).write(to: log)

        let process = Process()
        process.executableURL = Self.binary
        process.arguments = ["import", log.path, "--db", url]
        process.environment = ["PATH": "/usr/bin:/bin", "HOME": home.path, "XDG_DATA_HOME": home.appendingPathComponent("data").path,
                               "XDG_CONFIG_HOME": home.appendingPathComponent("config").path, "TOKENLEDGER_MACHINE": "alice-laptop"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Kill it between two batches: once the first is committed, hold the write lock each batch takes
        // and kill the import while its next batch waits for it (no race with a fast import).
        let (lock, afterKill) = try ServerRestartTests.holdBetweenBatches(db.address, while: process)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try lock.execute("SELECT pg_advisory_unlock_all()")
        #expect(afterKill > 0 && afterKill < total && afterKill % 4_096 == 0, "\(afterKill) records: whole batches only")

        let rerun = try Self.run(["import", log.path, "--db", url, "--json"], home: home, environment: ["TOKENLEDGER_MACHINE": "alice-laptop"])
        #expect(rerun.status == 0, "\(rerun.err)")
        #expect(rerun.out.contains("\"imported\": \(total - afterKill)") && rerun.out.contains("\"duplicates\": 0"), "\(rerun.out)")
        #expect(try db.texts("SELECT count(DISTINCT dedup_key)::text || '/' || count(*)::text FROM usage_record") == ["\(total)/\(total)"])
        #expect(try db.texts("SELECT sum(records)::text FROM report_rollup") == ["\(total)"])
    }

    @Test("libpq reads the password from ~/.pgpass and the server from ~/.pg_service.conf, as psql does")
    func passwordFileAndServiceFile() throws {
        let db = try TestServer.freshDatabase()
        defer { db.drop() }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("tokenledger-team-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let server = try #require(URLComponents(string: db.address.url))
        let host = try #require(server.host), port = try #require(server.port), user = try #require(server.user)
        let password = try #require(db.address.password)
        let passfile = home.appendingPathComponent(".pgpass")
        try Data("\(host):\(port):*:\(user):\(password)\n".utf8).write(to: passfile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: passfile.path)
        try Data("[team]\nhost=\(host)\nport=\(port)\ndbname=\(db.name)\nuser=\(user)\nsslmode=disable\n".utf8)
            .write(to: home.appendingPathComponent(".pg_service.conf"))

        let noPassword = "postgres://\(user)@\(host):\(port)/\(db.name)?sslmode=disable"
        let direct = try Self.run(["report", "--db", noPassword], home: home)
        #expect(direct.status == 0, "\(direct.err)")
        let service = try Self.run(["report", "--db", "postgresql://?service=team"], home: home)
        #expect(service.status == 0, "\(service.err)")
        #expect(service.out == direct.out)
        // Without the password file, the server asks for a password that nobody gave: one sentence, exit 1.
        try FileManager.default.removeItem(at: passfile)
        let refused = try Self.run(["report", "--db", noPassword], home: home)
        #expect(refused.status == 1 && refused.err.contains("refused the login"), "\(refused.err)")
    }
}
