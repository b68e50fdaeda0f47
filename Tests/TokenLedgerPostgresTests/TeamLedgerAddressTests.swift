import Foundation
import Testing
@testable import TokenLedgerPostgres

@Suite("team ledger address: libpq's URL, password never shown")
struct TeamLedgerAddressTests {
    @Test("a full URL: user, percent-encoded password, host, port, database, sslmode")
    func fullURL() throws {
        let address = try TeamLedgerAddress(parsing: "postgres://alice:p%40ss%3Aword@db.example.com:6543/team?sslmode=verify-full", environment: [:])
        #expect(address.user == "alice")
        #expect(address.password == "p@ss:word")
        #expect(address.host == "db.example.com")
        #expect(address.port == 6543)
        #expect(address.database == "team")
        #expect(address.sslMode == .verifyFull)
        #expect(address.description == "postgres://alice:***@db.example.com:6543/team?sslmode=verify-full")
        #expect(!address.description.contains("word"))
    }

    @Test("defaults as libpq: port 5432, database = user, sslmode prefer, password from PGPASSWORD")
    func defaults() throws {
        let address = try TeamLedgerAddress(parsing: "postgresql://bob@localhost", environment: ["PGPASSWORD": "s3cret"])
        #expect(address.port == 5432 && address.database == "bob" && address.sslMode == .prefer)
        #expect(address.password == "s3cret")
        #expect(address.description == "postgres://bob:***@localhost:5432/bob")
    }

    @Test("a bad sslmode or parameter is one sentence without the password, exit 2")
    func badParameters() {
        #expect(throws: TeamLedgerError.self) { try TeamLedgerAddress(parsing: "postgres://a:hunter2@h/db?sslmode=always", environment: [:]) }
        do {
            _ = try TeamLedgerAddress(parsing: "postgres://a:hunter2@h/db?sslmode=always", environment: [:])
        } catch {
            #expect(!error.message.contains("hunter2"))
            #expect(error.message.contains("sslmode 'always'"))
            #expect(error.exitStatus == .usage)
        }
    }

    @Test("redact hides the password of any scheme://user:password@ text")
    func redact() {
        #expect(TeamLedgerAddress.redact("postgres://u:topsecret@h:1/d") == "postgres://u:***@h:1/d")
        #expect(TeamLedgerAddress.redact("postgres://u@h/d") == "postgres://u@h/d")
        #expect(TeamLedgerAddress.redact("/home/u/ledger.sqlite") == "/home/u/ledger.sqlite")
    }

    @Test("sslmode maps onto TLS off, prefer and require")
    func sslModes() throws {
        func tls(_ mode: String) throws -> (allowed: Bool, enforced: Bool) {
            let configuration = try TeamLedgerAddress(parsing: "postgres://u@h/d?sslmode=\(mode)", environment: [:]).connectionConfiguration()
            return (configuration.tls.isAllowed, configuration.tls.isEnforced)
        }
        #expect(try tls("disable") == (false, false))
        #expect(try tls("prefer") == (true, false))
        #expect(try tls("require") == (true, true))
        #expect(try tls("verify-full") == (true, true))
    }

    @Test("a refused connection is one sentence naming the redacted address, exit 1")
    func refused() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let port = try FreePort.find()
        let address = try TeamLedgerAddress(parsing: "postgres://u:hunter2@127.0.0.1:\(port)/d?sslmode=disable", environment: [:])
        do {
            _ = try await TeamLedger.connect(address)
            Issue.record("connected to a closed port")
        } catch {
            guard case .unreachable = error else { Issue.record("expected unreachable, got \(error)"); return }
            #expect(error.message.hasPrefix("cannot reach the team ledger at postgres://u:***@127.0.0.1:\(port)/d?sslmode=disable"))
            #expect(!error.message.contains("hunter2"))
            #expect(error.exitStatus == .failure)
        }
    }
}

enum FreePort {
    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func find() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

@Suite("the password file (~/.pgpass), as libpq reads it")
struct PasswordFileTests {
    func write(_ text: String, mode: Int) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pgpass-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    @Test("the first matching line wins; * matches anything; \\: is a colon")
    func matching() throws {
        let path = try write("""
            # comment
            other.example.com:5432:*:alice:wrong
            db.example.com:5432:team:alice:pa\\:ss
            *:*:*:alice:fallback
            """, mode: 0o600)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let env = ["PGPASSFILE": path]
        #expect(try TeamLedgerAddress(parsing: "postgres://alice@db.example.com/team", environment: env).password == "pa:ss")
        #expect(try TeamLedgerAddress(parsing: "postgres://alice@db.example.com:6543/team", environment: env).password == "fallback")
        #expect(try TeamLedgerAddress(parsing: "postgres://bob@db.example.com/team", environment: env).password == nil)
        // The URL's own password, then PGPASSWORD, come first.
        #expect(try TeamLedgerAddress(parsing: "postgres://alice:url@db.example.com/team", environment: env).password == "url")
        #expect(try TeamLedgerAddress(parsing: "postgres://alice@db.example.com/team", environment: env.merging(["PGPASSWORD": "envpw"]) { $1 }).password == "envpw")
    }

    @Test("a file that others can read is ignored, as libpq does")
    func readableByOthers() throws {
        let path = try write("*:*:*:*:leaked\n", mode: 0o644)
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try TeamLedgerAddress(parsing: "postgres://alice@h/d", environment: ["PGPASSFILE": path]).password == nil)
    }
}
