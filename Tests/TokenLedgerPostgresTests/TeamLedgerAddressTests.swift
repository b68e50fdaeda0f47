import Foundation
import Testing
@testable import TokenLedgerPostgres

@Suite("team ledger address: libpq reads the URL, the password is never shown")
struct TeamLedgerAddressTests {
    @Test("a URL is kept as given; libpq's reading gives the password (for redaction) and the database")
    func fullURL() throws {
        let address = try TeamLedgerAddress(parsing: "postgres://alice:p%40ss%3Aword@db.example.com:6543/team?sslmode=verify-full")
        #expect(address.password == "p@ss:word")
        #expect(address.database == "team")
        #expect(address.description == "postgres://alice:***@db.example.com:6543/team?sslmode=verify-full")
        #expect(!address.description.contains("word"))
    }

    @Test("postgres:// and postgresql:// name a team ledger; a path does not")
    func recognisesURLs() {
        #expect(TeamLedgerAddress.isPostgresURL("postgres://h/d"))
        #expect(TeamLedgerAddress.isPostgresURL("PostgreSQL://h/d"))
        #expect(!TeamLedgerAddress.isPostgresURL("/home/u/ledger.sqlite"))
        #expect(!TeamLedgerAddress.isPostgresURL("ledger.postgres"))
    }

    @Test("a setting libpq does not know is one sentence with libpq's reason, without the password, exit 2")
    func unknownSetting() {
        do {
            _ = try TeamLedgerAddress(parsing: "postgres://a:hunter2@h/db?colour=blue")
            Issue.record("accepted an unknown setting")
        } catch {
            #expect(!error.message.contains("hunter2"))
            #expect(error.message.contains("colour"), "\(error.message)")
            #expect(error.exitStatus == .usage)
        }
    }

    @Test("a URL libpq cannot read is refused without its password, though libpq's reason quotes the URL",
          arguments: ["postgres://u:secret@[bad", "postgres://u:secret%zz@h/d", "postgres://u@h/d?password=secret&sslmode=%zz"])
    func unreadableURLHidesPassword(url: String) {
        do {
            _ = try TeamLedgerAddress(parsing: url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(!error.message.contains("secret"), "\(error.message)")
            #expect(error.exitStatus == .usage)
        }
    }

    @Test("redact hides the password of any scheme://user:password@ text and of a password= parameter")
    func redact() {
        #expect(TeamLedgerAddress.redact("postgres://u:topsecret@h:1/d") == "postgres://u:***@h:1/d")
        #expect(TeamLedgerAddress.redact("postgres://u@h/d") == "postgres://u@h/d")
        #expect(TeamLedgerAddress.redact("postgres://u@h/d?sslmode=require&password=topsecret&x=1") == "postgres://u@h/d?sslmode=require&password=***&x=1")
        #expect(TeamLedgerAddress.redact("postgres://u@h/d?password=topsecret") == "postgres://u@h/d?password=***")
        #expect(TeamLedgerAddress.redact("/home/u/ledger.sqlite") == "/home/u/ledger.sqlite")
    }

    @Test("every network wait has a limit: keepalives, a TCP user timeout, 10 s to connect, a statement timeout; the URL overrides them")
    func limits() throws {
        let settings = try TeamLedgerAddress(parsing: "postgres://u@h/d?connect_timeout=3").connectionSettings(environment: [:])
        let keywords = settings.map(\.keyword)
        for keyword in ["keepalives", "keepalives_idle", "tcp_user_timeout", "connect_timeout", "options"] {
            #expect(keywords.contains(keyword), "\(keyword)")
        }
        #expect(settings.first { $0.keyword == "connect_timeout" }?.value == "10")
        #expect(settings.first { $0.keyword == "options" }?.value == "-c statement_timeout=10min")
        // The URL comes last, so libpq lets its connect_timeout=3 win.
        #expect(settings.last?.keyword == "dbname" && settings.last?.value == "postgres://u@h/d?connect_timeout=3")
        // An environment variable that sets a limit is left to libpq.
        let fromEnvironment = try TeamLedgerAddress(parsing: "postgres://u@h/d").connectionSettings(environment: ["PGCONNECT_TIMEOUT": "4", "PGOPTIONS": "-c statement_timeout=0"])
        #expect(!fromEnvironment.contains { $0.keyword == "connect_timeout" || $0.keyword == "options" })
    }

    @Test("a refused connection is one sentence naming the redacted address, exit 1")
    func refused() throws {
        // A port nothing listens on: bind one, note it, close it.
        let port = try FreePort.find()
        let address = try TeamLedgerAddress(parsing: "postgres://u:hunter2@127.0.0.1:\(port)/d?sslmode=disable")
        do {
            _ = try TeamLedger.connect(address)
            Issue.record("connected to a closed port")
        } catch {
            guard case .unreachable = error else { Issue.record("expected unreachable, got \(error)"); return }
            #expect(error.message.hasPrefix("cannot reach the team ledger at postgres://u:***@127.0.0.1:\(port)/d?sslmode=disable"))
            #expect(error.message.contains("refused"), "\(error.message)")
            #expect(!error.message.contains("hunter2"))
            #expect(error.exitStatus == .failure)
        }
    }

    @Test("a server that accepts the connection but never answers is given up after connect_timeout")
    func silentServer() throws {
        let listener = try SilentListener()
        let started = Date()
        do {
            _ = try TeamLedger.connect(try TeamLedgerAddress(parsing: "postgres://u:hunter2@127.0.0.1:\(listener.port)/d?sslmode=disable&connect_timeout=2"))
            Issue.record("connected to a silent server")
        } catch {
            guard case .unreachable = error else { Issue.record("expected unreachable, got \(error)"); return }
            #expect(error.message.contains("timeout"), "\(error.message)")
        }
        let waited = Date().timeIntervalSince(started)
        #expect(waited >= 1.5 && waited < 30, "waited \(waited) s")
    }

    @Test("a bad sslmode is refused before connecting; a bad value libpq checks is refused when connecting; exit 2")
    func badValues() throws {
        do {
            _ = try TeamLedgerAddress(parsing: "postgres://a:hunter2@127.0.0.1:1/db?sslmode=always")
            Issue.record("accepted sslmode=always")
        } catch {
            #expect(error.message.contains("sslmode 'always'"), "\(error.message)")
            #expect(!error.message.contains("hunter2"))
            #expect(error.exitStatus == .usage)
        }
        let address = try TeamLedgerAddress(parsing: "postgres://a:hunter2@127.0.0.1:1/db?target_session_attrs=whichever")
        do {
            _ = try TeamLedger.connect(address)
            Issue.record("accepted target_session_attrs=whichever")
        } catch {
            #expect(error.message.contains("target_session_attrs"), "\(error.message)")
            #expect(!error.message.contains("hunter2"))
            #expect(error.exitStatus == .usage)
        }
    }
}

/// A TCP socket on 127.0.0.1 that listens (the kernel completes connections) but never reads or
/// writes: a server that hangs.
final class SilentListener {
    let fd: Int32
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = listen(fd, 8)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: addr.sin_port))
    }

    deinit { close(fd) }
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
