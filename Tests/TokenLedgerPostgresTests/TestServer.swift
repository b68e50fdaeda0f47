import Foundation
import Testing
@testable import TokenLedgerPostgres

/// The PostgreSQL server the team-ledger tests use: `$TOKENLEDGER_TEST_POSTGRES` (`.ci/run` starts a
/// throw-away cluster and sets it). Each test gets its own new database, dropped afterwards.
enum TestServer {
    static let url: String? = ProcessInfo.processInfo.environment["TOKENLEDGER_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
    static var available: Bool { url != nil }
    static let skipReason: Comment = "TOKENLEDGER_TEST_POSTGRES is unset, so there is no PostgreSQL server to test the team ledger against (.ci/run starts one)"

    /// A new, empty database on the test server.
    /// `options`: what `CREATE DATABASE` is given besides the name (a collation, say).
    static func freshDatabase(options: String = "") throws -> ScratchDatabase {
        let admin = try TeamLedgerAddress(parsing: try #require(url))
        let name = "tokenledger_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try admin.withRawConnection { connection in try connection.execute("CREATE DATABASE \(name) \(options)") }
        return ScratchDatabase(admin: admin, address: try admin.with(database: name), name: name)
    }
}

/// One test's database; `drop()` removes it.
struct ScratchDatabase {
    let admin: TeamLedgerAddress
    let address: TeamLedgerAddress
    let name: String

    func connect(machine: String = "test-machine") throws -> TeamLedger {
        try TeamLedger.connect(address, machine: machine)
    }

    func drop() {
        _ = try? admin.withRawConnection { connection in try connection.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    /// Runs one SQL statement in this database and returns the first column of each row as text.
    func texts(_ sql: String) throws -> [String?] {
        try address.withRawConnection { connection in
            let rows = try connection.execute(sql)
            return (0..<rows.count).map { rows.text($0, 0) }
        }
    }
}

extension TeamLedgerAddress {
    /// A plain connection with no migration (to create and drop databases, or look inside one).
    @discardableResult
    func withRawConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try body(try PostgresConnection(settings: connectionSettings()))
    }

    /// The same URL with another database (its path replaced).
    func with(database: String) throws -> TeamLedgerAddress {
        var components = try #require(URLComponents(string: url))
        components.path = "/" + database
        return try TeamLedgerAddress(parsing: try #require(components.string))
    }

    /// The same URL with another password.
    func with(password: String) throws -> TeamLedgerAddress {
        var components = try #require(URLComponents(string: url))
        components.password = password
        return try TeamLedgerAddress(parsing: try #require(components.string))
    }
}

@Suite("team-ledger test server")
struct TestServerTests {
    @Test("in CI the PostgreSQL tests run: TOKENLEDGER_TEST_POSTGRES must be set")
    func serverIsConfiguredInCI() {
        if TestServer.inCI {
            #expect(TestServer.available, "CI=true but TOKENLEDGER_TEST_POSTGRES is unset: .ci/run must start PostgreSQL and export it")
        } else if !TestServer.available {
            print("team-ledger tests skipped: \(TestServer.skipReason)")
        }
    }
}
