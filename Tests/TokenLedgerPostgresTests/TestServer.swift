import Foundation
import PostgresNIO
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
    static func freshDatabase() async throws -> ScratchDatabase {
        let admin = try TeamLedgerAddress(parsing: try #require(url))
        let name = "tokenledger_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16))"
        try await admin.withRawConnection { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var address = admin
        address.database = name
        return ScratchDatabase(admin: admin, address: address)
    }
}

/// One test's database; `drop()` removes it.
struct ScratchDatabase {
    let admin: TeamLedgerAddress
    let address: TeamLedgerAddress

    func connect(machine: String = "test-machine") async throws -> TeamLedger {
        try await TeamLedger.connect(address, machine: machine)
    }

    func drop() async {
        _ = try? await admin.withRawConnection { connection, logger in
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(address.database) WITH (FORCE)"), logger: logger)
        }
    }

    /// Runs one SQL statement in this database and returns the first column of each row as text.
    func texts(_ sql: String) async throws -> [String?] {
        try await address.withRawConnection { connection, logger in
            var values: [String?] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                values.append(try PostgresRandomAccessRow(row)[0].decode(String?.self))
            }
            return values
        }
    }
}

extension TeamLedgerAddress {
    /// A plain connection with no migration (to create and drop databases, or look inside one).
    @discardableResult
    func withRawConnection<T: Sendable>(_ body: (PostgresConnection, Logger) async throws -> T) async throws -> T {
        var logger = Logger(label: "tokenledger.tests")
        logger.logLevel = .critical
        let connection = try await PostgresConnection.connect(configuration: try connectionConfiguration(), id: 99, logger: logger)
        do {
            let value = try await body(connection, logger)
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
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
