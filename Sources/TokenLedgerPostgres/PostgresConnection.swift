import CLibPQ
import Foundation

/// What libpq reported, in its own words (no password: libpq never echoes it).
enum PostgresError: Error, Equatable {
    /// The connection URL cannot be read (libpq's `PQconninfoParse` message).
    case badConnectionString(String)
    /// No connection was made: refused, unreachable, timed out, login refused, TLS, or a bad setting.
    case connectFailed(String)
    /// The server answered a statement with an error; the connection is still usable.
    case statement(sqlState: String, message: String)
    /// The connection broke (server restarted or gone, network down, a socket timeout): nothing more
    /// can be sent on it, and the open transaction is lost.
    case connectionLost(String)
    /// A value the server returned is not what the query selects (NULL for a NOT NULL column, text
    /// where a number belongs).
    case unexpectedValue(String)
}

/// A value sent as a statement parameter, in PostgreSQL's text format (nil = SQL NULL). The server
/// infers each parameter's type from where it appears.
protocol PostgresParameter {
    var postgresText: String? { get }
}

extension String: PostgresParameter { var postgresText: String? { self } }
extension Int64: PostgresParameter { var postgresText: String? { String(self) } }
extension Int: PostgresParameter { var postgresText: String? { String(self) } }
extension Bool: PostgresParameter { var postgresText: String? { self ? "t" : "f" } }
extension Optional: PostgresParameter where Wrapped: PostgresParameter {
    var postgresText: String? { flatMap(\.postgresText) }
}

/// A list of texts as one `text[]` parameter (`= ANY($1::text[])`), quoted as PostgreSQL's array
/// literal syntax asks.
struct PostgresTextArray: PostgresParameter {
    var values: [String]
    var postgresText: String? {
        "{" + values.map { value in
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }
}

/// One connection to a PostgreSQL server through libpq, the PostgreSQL project's own C client: the
/// only place that holds a libpq pointer. Synchronous: every call blocks the calling thread until the
/// server answers (or a socket timeout ends the wait). Not for use from two threads at once; it may be
/// handed from one thread to another (`@unchecked Sendable`: the team ledger's writer threads, each
/// using it only while the thread that handed it waits or uses the other connection).
///
/// libpq reads the connection URL, the `PG*` environment variables, `~/.pgpass`, `pg_service.conf` and
/// every `sslmode` exactly as `psql` does.
final class PostgresConnection: @unchecked Sendable {
    /// The `PGconn *`, freed in `deinit`.
    private let handle: OpaquePointer

    /// Connects with libpq's key words and values; with `expandDatabase`, a `dbname` value that is a
    /// URL or a `key=value` string is expanded into its settings, and settings later in the list
    /// override earlier ones.
    init(settings: [(keyword: String, value: String)]) throws(PostgresError) {
        let keywords = settings.map { strdup($0.keyword) }
        let values = settings.map { strdup($0.value) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let cKeywords: [UnsafePointer<CChar>?] = keywords.map { UnsafePointer($0) } + [nil]
        let cValues: [UnsafePointer<CChar>?] = values.map { UnsafePointer($0) } + [nil]
        guard let handle = PQconnectdbParams(cKeywords, cValues, 1) else {
            throw .connectFailed("out of memory")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(handle)) ?? "unknown error"
            PQfinish(handle)
            throw .connectFailed(Self.trimmed(message))
        }
        // libpq prints the server's notices ("relation … already exists, skipping") on stderr by
        // default; the CLI speaks through its results and errors only.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        self.handle = handle
    }

    deinit {
        PQfinish(handle)
    }

    /// The settings libpq reads from a connection URL or `key=value` string (what the text says,
    /// before environment variables and files fill the rest), or libpq's message when it cannot.
    static func parse(_ conninfo: String) throws(PostgresError) -> [String: String] {
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(conninfo, &message) else {
            let text = message.map { String(cString: $0) } ?? "out of memory"
            if let message { PQfreemem(message) }
            throw .badConnectionString(trimmed(text))
        }
        defer { PQconninfoFree(options) }
        var settings: [String: String] = [:]
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { settings[String(cString: keyword)] = String(cString: value) }
            option += 1
        }
        return settings
    }

    /// Runs one statement with `$1 …` parameters sent apart from the SQL text (never spliced in) and
    /// returns its rows (none for a command). Cost: one round trip.
    @discardableResult
    func execute(_ sql: String, _ parameters: [any PostgresParameter] = []) throws(PostgresError) -> PostgresRows {
        let texts = parameters.map { $0.postgresText.flatMap { strdup($0) } }
        defer { texts.forEach { $0.map { free($0) } } }
        let values: [UnsafePointer<CChar>?] = texts.map { $0.map { UnsafePointer($0) } }
        let result = PQexecParams(handle, sql, Int32(values.count), nil, values, nil, nil, 0)
        return try rows(of: result)
    }

    /// `COPY … FROM STDIN` with `data` as its input (COPY's text format, or binary when the statement
    /// says so), sent in 256 KiB messages. Returns when the server has stored every row or refused them.
    func copyIn(_ sql: String, data: [UInt8]) throws(PostgresError) {
        try copyIn(sql) { send in data.withUnsafeBytes { send($0) } }
    }

    /// `copyIn(_:data:)` with the input handed over in parts: `write` calls `send` with each part in
    /// order (any size; libpq copies each into its own buffer before `send` returns, so a part's
    /// memory can be reused at once). After a lost connection `send` drops what it is given.
    func copyIn(_ sql: String, parts write: (_ send: (UnsafeRawBufferPointer) -> Void) -> Void) throws(PostgresError) {
        let start = PQexec(handle, sql)
        guard let start, PQresultStatus(start) == PGRES_COPY_IN else {
            throw failure(of: start)
        }
        PQclear(start)
        var broken = false
        let handle = self.handle
        write { bytes in
            guard !broken, let base = bytes.baseAddress else { return }
            var sent = 0
            while sent < bytes.count {
                let length = min(bytes.count - sent, 256 * 1024)
                let status = (base + sent).withMemoryRebound(to: CChar.self, capacity: length) {
                    PQputCopyData(handle, $0, Int32(length))
                }
                guard status == 1 else { broken = true; return }
                sent += length
            }
        }
        if broken || PQputCopyEnd(handle, nil) != 1 {
            let error = lost()
            drainResults()
            throw error
        }
        var error: PostgresError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, error == nil { error = failure(of: result) } else { PQclear(result) }
        }
        if let error { throw error }
    }

    /// True while the connection is usable (false once the server or network dropped it).
    var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

    // MARK: - Results and errors

    /// Takes ownership of `result`: its rows, or the error it carries (freed either way).
    private func rows(of result: OpaquePointer?) throws(PostgresError) -> PostgresRows {
        guard let result else { throw lost() }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY: return PostgresRows(result)
        default: throw failure(of: result)
        }
    }

    /// The error `result` carries (freed here); a connection that is gone afterwards is `connectionLost`.
    private func failure(of result: OpaquePointer?) -> PostgresError {
        guard let result else { return lost() }
        defer { PQclear(result) }
        let message = Self.text(PQresultErrorField(result, Int32(UInt8(ascii: "M"))))
            ?? Self.text(PQresultErrorMessage(result)).map(Self.trimmed)
            ?? "the server answered \(Self.text(PQresStatus(PQresultStatus(result))) ?? "unexpectedly")"
        let state = Self.text(PQresultErrorField(result, Int32(UInt8(ascii: "C")))) ?? ""
        // 57P01-57P03: the server is shutting down or restarting and ended this session.
        if PQstatus(handle) != CONNECTION_OK || state.hasPrefix("57P") || state.hasPrefix("08") {
            return .connectionLost(message)
        }
        return .statement(sqlState: state, message: message)
    }

    /// The connection's own last error, as a lost connection.
    private func lost() -> PostgresError {
        .connectionLost(Self.trimmed(Self.text(PQerrorMessage(handle)) ?? "the connection was closed"))
    }

    /// Reads and frees whatever results are still queued (after a failed COPY).
    private func drainResults() {
        while let result = PQgetResult(handle) { PQclear(result) }
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String? {
        guard let pointer else { return nil }
        let text = String(cString: pointer)
        return text.isEmpty ? nil : text
    }

    private static func text(_ pointer: UnsafeMutablePointer<CChar>?) -> String? {
        text(UnsafePointer(pointer))
    }

    /// libpq's message without its indented hint lines ("\tIs the server running on that host…",
    /// "\tThis probably means…": the sentence around it gives the advice), as one line without the
    /// trailing period.
    static func trimmed(_ message: String) -> String {
        let first = message.split(whereSeparator: \.isNewline).first { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        return (first.map(String.init) ?? message).trimmingCharacters(in: CharacterSet(charactersIn: ". \t"))
    }
}

/// The rows of one statement's result, in PostgreSQL's text format; the `PGresult *` is freed in
/// `deinit`. Row and column numbers start at 0.
final class PostgresRows {
    private let result: OpaquePointer
    /// Number of rows.
    let count: Int
    /// Number of columns.
    let columns: Int

    fileprivate init(_ result: OpaquePointer) {
        self.result = result
        count = Int(PQntuples(result))
        columns = Int(PQnfields(result))
    }

    deinit {
        PQclear(result)
    }

    /// True for SQL NULL.
    func isNull(_ row: Int, _ column: Int) -> Bool {
        PQgetisnull(result, Int32(row), Int32(column)) == 1
    }

    /// The value as text; nil for NULL.
    func text(_ row: Int, _ column: Int) -> String? {
        if isNull(row, column) { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    /// An integer column (`bigint`, `integer`, a sum cast to text); nil for NULL. Parsed from the
    /// returned bytes without making a String.
    func int64(_ row: Int, _ column: Int) throws(PostgresError) -> Int64? {
        if isNull(row, column) { return nil }
        guard let value = PQgetvalue(result, Int32(row), Int32(column)) else { return nil }
        let length = Int(PQgetlength(result, Int32(row), Int32(column)))
        var index = 0
        var negative = false
        if length > 0, value[0] == CChar(UInt8(ascii: "-")) { negative = true; index = 1 }
        guard index < length else { throw .unexpectedValue("an empty number in column \(column + 1)") }
        var magnitude: UInt64 = 0
        while index < length {
            let digit = UInt8(bitPattern: value[index]) &- UInt8(ascii: "0")
            guard digit < 10 else { throw .unexpectedValue("'\(String(cString: value))' in column \(column + 1) is not an integer") }
            let (times, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(digit))
            guard !overflow1, !overflow2 else { throw .unexpectedValue("'\(String(cString: value))' in column \(column + 1) is too large") }
            magnitude = sum
            index += 1
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else { throw .unexpectedValue("'\(String(cString: value))' in column \(column + 1) is too large") }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else { throw .unexpectedValue("'\(String(cString: value))' in column \(column + 1) is too large") }
        return Int64(magnitude)
    }

    /// A `boolean` column ('t' or 'f'); nil for NULL.
    func bool(_ row: Int, _ column: Int) -> Bool? {
        if isNull(row, column) { return nil }
        return PQgetvalue(result, Int32(row), Int32(column))?.pointee == CChar(UInt8(ascii: "t"))
    }

    /// A text column that is never NULL.
    func requiredText(_ row: Int, _ column: Int) throws(PostgresError) -> String {
        guard let value = text(row, column) else { throw .unexpectedValue("NULL in column \(column + 1)") }
        return value
    }

    /// An integer column that is never NULL.
    func requiredInt64(_ row: Int, _ column: Int) throws(PostgresError) -> Int64 {
        guard let value = try int64(row, column) else { throw .unexpectedValue("NULL in column \(column + 1)") }
        return value
    }

    /// A boolean column that is never NULL.
    func requiredBool(_ row: Int, _ column: Int) throws(PostgresError) -> Bool {
        guard let value = bool(row, column) else { throw .unexpectedValue("NULL in column \(column + 1)") }
        return value
    }
}
