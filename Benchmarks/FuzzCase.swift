import Foundation
import GRDB
import TokenLedger

/// One fixture log the fuzzer mutates, with what importing it un-mutated gives (the baseline).
struct FuzzSeed {
    /// Path relative to the fixtures folder, e.g. "anthropic/messages.jsonl".
    var relativePath: String
    var bytes: [UInt8]
    /// The file imported: the mutated file itself, except for a Batch input file (its output is
    /// imported, joined with it).
    var importPath: String
    var format: String
    var formatOptions: [String: String]
    var isDatabase: Bool
    var baseline = FuzzOutcome()
    /// Every line of the un-mutated file yields a record, a skip or a quarantine: then every line of
    /// a mutant must too (none may vanish silently).
    var everyLineAccounted = false
    /// One JSON object per line: a repeated line is a repeated record (in a CSV or a pretty-printed
    /// document it may land inside a quoted field or an object, which is damage, not repetition).
    var isJSONLines: Bool {
        !isDatabase && bytes.split(separator: 0x0A).allSatisfy { $0.first == UInt8(ascii: "{") }
    }
}

/// What one import of one (mutated) file did, and what was wrong with it.
struct FuzzOutcome {
    var records = 0
    var tokens = 0
    var quarantined = 0
    var failures: [String] = []
    var unaccountedLines: [Int] = []
    /// Skips emitted with no line of their own: each may account for one unaccounted line.
    var unplacedSkips = 0
    /// The import refused the file as a whole, with this one-sentence message (a ruined logs.db).
    var refusal: String?
}

/// Counts, per line handed to a parser, the items it produced, by wrapping the real adapters.
final class FuzzLineTally: @unchecked Sendable {
    // One import at a time on the caller's thread; `@unchecked` because adapters must be Sendable.
    var handed: [Int] = []
    var accounted = Set<Int>()
    /// Skips emitted outside a line's own call (a document re-read as lines at the end): they carry
    /// no line number, so each may account for one line.
    var unplacedSkips = 0
    func reset() { handed = []; accounted = []; unplacedSkips = 0 }
}

struct TallyingAdapter: LogAdapter {
    let base: any LogAdapter
    let tally: FuzzLineTally
    var name: String { base.name }
    var summary: String { base.summary }
    var layout: LogLayout { base.layout }
    func detect(fileName: String, head: [UInt8]) -> Int { base.detect(fileName: fileName, head: head) }
    func makeParser(context: ImportContext, state: JSONValue?) -> any LogParser {
        TallyingParser(base: base.makeParser(context: context, state: state), tally: tally)
    }
}

final class TallyingParser: LogParser {
    let base: any LogParser
    let tally: FuzzLineTally
    init(base: any LogParser, tally: FuzzLineTally) { self.base = base; self.tally = tally }

    func parse(line: UnsafeRawBufferPointer, number: Int, emit: (LogItem) -> Void) {
        // Blank lines and server-sent-event lines (a stream is one unit: its chunks before the one
        // with usage yield nothing of their own) need not yield anything. A UTF-8 byte-order mark
        // before either is passed over, as the importer passes it over on any line.
        let bom = line.count >= 3 && line[0] == 0xEF && line[1] == 0xBB && line[2] == 0xBF ? 3 : 0
        let first = line[bom...].firstIndex { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }
        if let first, !TallyingParser.isStreamLine(UnsafeRawBufferPointer(rebasing: line[first...])) { tally.handed.append(number) }
        base.parse(line: line, number: number) { item in
            tally.accounted.insert(number)
            if case .skipped = item {} else { note(item) }
            emit(item)
        }
    }
    func parse(document: UnsafeRawBufferPointer, emit: (LogItem) -> Void) {
        base.parse(document: document) { item in note(item); emit(item) }
    }
    func parseDatabase(emit: (LogItem) -> Void) throws {
        try base.parseDatabase { item in note(item); emit(item) }
    }
    func finish(emit: (LogItem) -> Void) {
        base.finish { item in note(item); emit(item) }
    }
    var state: JSONValue? { base.state }

    static func isStreamLine(_ line: UnsafeRawBufferPointer) -> Bool {
        ["data:", "event:", ":", "id:", "retry:"].contains { prefix in line.starts(with: prefix.utf8) }
    }

    private func note(_ item: LogItem) {
        switch item {
        case .entry(let entry): if let line = entry.location?.line { tally.accounted.insert(line) }
        case .malformed(_, let line): if let line { tally.accounted.insert(line) }
        case .skipped: tally.unplacedSkips += 1
        }
    }
}

/// Imports one file into a fresh in-memory ledger and checks what must hold whatever the input.
struct FuzzImporter {
    let pricing: PriceBook
    let tally = FuzzLineTally()
    let adapters: [any LogAdapter]

    /// One in-memory ledger, emptied before each input: migrating a fresh one costs more than
    /// importing most inputs.
    let ledger: Ledger

    init() throws {
        ledger = try Ledger.inMemory()
        pricing = try PriceBook.bundled()
        adapters = LogAdapters.all.map { [tally] in TallyingAdapter(base: $0, tally: tally) }
    }

    /// Imports `path` read as `format` and returns the outcome with every broken rule as a failure.
    func run(path: String, format: String?, formatOptions: [String: String], fileBytes: [UInt8]?) -> FuzzOutcome {
        var outcome = FuzzOutcome()
        tally.reset()
        let reporter = CollectingImportReporter()
        let ledger = self.ledger
        do { try emptyLedger() } catch { outcome.failures.append("cannot empty the ledger: \(error)"); return outcome }
        let options = ImportOptions(format: format, formatOptions: formatOptions, settledAge: 0)
        var summary: ImportSummary?
        var messages: [String] = []
        do {
            let pipeline = try ImportPipeline(ledger: ledger, pricing: pricing, adapters: adapters, options: options, reporter: reporter)
            summary = try pipeline.run(paths: [URL(fileURLWithPath: path)])
        } catch let error as ImportError {
            outcome.refusal = error.message
            messages.append(error.message)
        } catch {
            let text = (error as? any UserFacingError)?.message ?? "\(error)"
            outcome.failures.append("the import failed: \(text)")
            messages.append(text)
        }
        messages += reporter.problems + reporter.malformedLines.map(\.reason) + (summary?.problems ?? [])
        for message in messages where message.contains("\n") || message.isEmpty {
            outcome.failures.append("a message is not one sentence: \(message.debugDescription.prefix(200))")
        }

        // Lines in the file: a last line without "\n" counts.
        let lineCount: Int? = fileBytes.map { bytes in
            bytes.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 } + (bytes.last.map { $0 == 0x0A ? 0 : 1 } ?? 0)
        }
        do {
            let records = try ledger.storedRecords()
            outcome.records = records.count
            outcome.tokens = records.reduce(0) { $0 &+ $1.record.tokens.total }
            if let summary, summary.imported != records.count {
                outcome.failures.append("the summary says \(summary.imported) imported, the ledger holds \(records.count)")
            }
            for record in records {
                guard let location = record.entry.location, location.file == path else {
                    outcome.failures.append("a record has no file:line (\(record.entry.dedupKey.prefix(60)))")
                    continue
                }
                if let lineCount, !(0...max(lineCount, 1)).contains(location.line) {
                    outcome.failures.append("a record points to line \(location.line) of a \(lineCount)-line file")
                }
            }
            let quarantine = try ledger.quarantinedLines()
            outcome.quarantined = quarantine.count
            let stored = Set(quarantine.map { "\($0.file):\($0.line)" })
            for bad in reporter.malformedLines where !stored.contains("\(bad.file):\(bad.line)") {
                outcome.failures.append("\(bad.file):\(bad.line) was reported malformed but not quarantined")
            }
            for q in quarantine {
                if q.file != path { outcome.failures.append("a quarantined line names another file: \(q.file)") }
                if let lineCount, !(0...max(lineCount, 1)).contains(q.line) {
                    outcome.failures.append("a quarantined line points to line \(q.line) of a \(lineCount)-line file")
                }
            }
            if let leak = try FuzzImporter.canaryIn(ledger) { outcome.failures.append("secret or prompt text stored in the ledger: \(leak)") }
        } catch {
            outcome.failures.append("cannot read the ledger back: \(error)")
        }
        for message in messages where FuzzCanary.markers.contains(where: { message.contains($0) }) {
            outcome.failures.append("secret or prompt text in a message: \(message.prefix(200))")
        }
        if summary != nil {
            outcome.unaccountedLines = tally.handed.filter { !tally.accounted.contains($0) }
            outcome.unplacedSkips = tally.unplacedSkips
        }
        return outcome
    }

    /// Deletes every row of every ledger table but the migration record (the report rollups too).
    func emptyLedger() throws {
        guard let writer = ledger.reader as? any DatabaseWriter else { throw FuzzError.notWritable }
        try writer.write { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'grdb_migrations'")
            for table in tables { try db.execute(sql: "DELETE FROM \"\(table)\"") }
        }
    }

    enum FuzzError: Error { case notWritable }

    /// The first ledger value (any table, any column) holding a canary marker, or nil.
    static func canaryIn(_ ledger: Ledger) throws -> String? {
        try ledger.reader.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            for table in tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                    for (column, value) in row {
                        let text: String
                        switch value.storage {
                        case .string(let s): text = s
                        case .blob(let data): text = String(decoding: data, as: UTF8.self)
                        default: continue
                        }
                        if FuzzCanary.markers.contains(where: { text.contains($0) }) { return "\(table).\(column)" }
                    }
                }
            }
            return nil
        }
    }
}
