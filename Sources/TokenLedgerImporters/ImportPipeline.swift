import Dispatch
import Foundation
import GRDB
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file or folder to import, and the format to read it as (nil: detect each file).
public struct ImportSource: Sendable, Hashable {
    /// A file or folder.
    public var url: URL
    /// A `--format` name; nil or "auto" to detect each file.
    public var format: String?

    /// The file or folder at `url`, read as `format` (nil: detect each file).
    public init(url: URL, format: String? = nil) {
        self.url = url
        self.format = format
    }
}

/// Reads log files into the ledger exactly once and incrementally.
///
/// Performance notes (`tokenledger-bench import`, figures in docs/performance.md): line-by-line files are
/// read and parsed on reading workers, several files at once (`LineReadAhead`; on the caller's thread
/// with `readingThreads` 0 or a single file), and taken in plan order on the caller's thread
/// (openai-chat's common line shape member by member, `OpenAIChatLine`); pricing runs there, each
/// record as it is taken (`BatchPricer`), while earlier batches are written on a background thread (`BatchCommitter`: two batches in flight, several per transaction, a page cache of up
/// to 32 MiB sized to the ledger). Kept: a 1 MiB read buffer with `memchr` line splitting (no per-line allocation), batches of
/// 4,096 records, the raw SQLite binding in `Ledger.insert` (16 new rows per statement), the 64-bit
/// dedup index (`DedupSlot`). `tokenledger-bench import` prints each thread's CPU time.
///
/// For each file: unchanged since its checkpoint (same device, inode, size, mtime) → skipped without
/// reading; grown with the same identity (and the same first bytes) → a `.lines` format continues from
/// the saved byte offset and line with the adapter's saved state; replaced or truncated → read from the
/// start (dedup keys make that add nothing twice). Lines are streamed through a fixed buffer (memory
/// stays flat whatever the file size); only complete lines are handed to the adapter. Records, the
/// file's checkpoint and quarantined lines commit in the same transaction, so a kill mid-import leaves
/// the ledger consistent and the next run continues with no duplicates.
public final class ImportPipeline {
    private let sink: any ImportSink
    private let pricing: PriceBook
    private let adapters: [any LogAdapter]
    private let detectors: LogAdapters.Detectors
    private let options: ImportOptions
    private let reporter: any ImportReporter
    private let explicitAdapter: (any LogAdapter)?  // validated `options.format`

    private var summary = ImportSummary()
    /// The records read since the last flush, priced as they come.
    private var pendingRows: BatchPricer
    private var pendingQuarantine: [QuarantinedLine] = []
    private var pendingCheckpoints: [String: FileCheckpoint] = [:]
    /// The batches handed to the sink that may not be written yet (at most its `batchesInFlight`).
    private var batchesInFlight: [PricedBatch] = []
    private var bytesTotal: Int64 = 0
    private var lastProgress: Int64 = 0

    // The file being read, for `emit`.
    private var currentPath = ""
    private var currentFormat = ""
    private var currentLayout = LogLayout.lines
    private var currentLine = 0
    private var documentBytes: UnsafeRawBufferPointer?
    private var documentLineCount: Int?

    /// The longest line kept in memory; a longer one is quarantined without being held whole.
    static let maximumLineLength = 64 << 20
    static let readChunk = 1 << 20
    static let detectLength = 64 << 10

    /// Prepares an import. Throws `ImportError.unknownFormat` when `options.format` names no adapter.
    public convenience init(ledger: Ledger, pricing: PriceBook, adapters: [any LogAdapter] = LogAdapters.all,
                            options: ImportOptions = ImportOptions(), reporter: any ImportReporter = CollectingImportReporter()) throws(ImportError) {
        try self.init(sink: LedgerImportSink(ledger: ledger), pricing: pricing, adapters: adapters, options: options, reporter: reporter)
    }

    /// The sink that writes to the SQLite `ledger` (what `init(ledger:…)` uses), for runners that
    /// import several times into one ledger.
    package static func sink(for ledger: Ledger) -> any ImportSink {
        LedgerImportSink(ledger: ledger)
    }

    /// Prepares an import into another ledger engine (`sink`), e.g. a team ledger on a server.
    public init(sink: any ImportSink, pricing: PriceBook, adapters: [any LogAdapter] = LogAdapters.all,
                options: ImportOptions = ImportOptions(), reporter: any ImportReporter = CollectingImportReporter()) throws(ImportError) {
        self.sink = sink
        self.pricing = pricing
        self.adapters = adapters
        detectors = LogAdapters.Detectors(adapters)
        var options = options
        if options.batchSizeIsDefault, let preferred = (sink as? any LargeBatchSink)?.preferredBatchSize {
            firstLargeBatch = options.batchSize
            options.batchSize = preferred
        }
        self.options = options
        self.reporter = reporter
        // The reading thread sums the report tiers for the sinks that add them from its sums.
        pendingRows = BatchPricer(pricing: pricing, capacity: options.batchSize, sumsTiers: sink is any TierSummingSink)
        explicitAdapter = try ImportPipeline.adapter(forFormat: options.format, in: adapters)
    }

    /// The adapter a `--format` value names (case-insensitively); nil for nil or "auto".
    static func adapter(forFormat name: String?, in adapters: [any LogAdapter]) throws(ImportError) -> (any LogAdapter)? {
        guard let name, name.lowercased() != "auto" else { return nil }
        guard let adapter = adapters.first(where: { $0.name.caseInsensitiveCompare(name) == .orderedSame }) else {
            throw .unknownFormat(name)
        }
        return adapter
    }

    private func adapter(named name: String) -> (any LogAdapter)? {
        adapters.first { $0.name == name }
    }

    // MARK: - Run

    /// Imports every log file at `paths` (files, or folders walked recursively). Reports malformed
    /// lines and unreadable paths through the reporter and returns the summary. Throws
    /// `ImportError.nothingRead` when no file could be read at all, and `LedgerError` when the ledger
    /// cannot be written.
    public func run(paths: [URL]) throws -> ImportSummary {
        try run(sources: paths.map { ImportSource(url: $0, format: options.format) })
    }

    /// Imports several sources, each with its own format (`--claude-code` roots as claude-code, the
    /// PATHs with `--format`), in one run with one summary.
    public func run(sources: [ImportSource]) throws -> ImportSummary {
        do {
            return try importAll(sources)
        } catch let error as DatabaseError {
            throw LedgerError.writeFailed(reason: error.message ?? "\(error)")
        }
    }

    private func importAll(_ sources: [ImportSource]) throws -> ImportSummary {
        summary = ImportSummary()  // each run reports only what it did, however often the pipeline is reused
        var problems: [String] = []
        var candidates: [(path: String, explicit: Bool, forced: (any LogAdapter)?)] = []
        var seen = Set<String>()
        for source in sources {
            let url = source.url
            let forced = try ImportPipeline.adapter(forFormat: source.format, in: adapters)
            let path = url.standardizedFileURL.path
            guard let status = FileStatus.of(path) else {
                problems.append("no such file or directory: \(path); check the path.")
                continue
            }
            if status.isDirectory {
                let files = LogFileFinder.files(under: path)
                if files.isEmpty { problems.append("no log files in the folder \(path).") }
                for file in files where seen.insert(file).inserted { candidates.append((file, false, forced)) }
            } else if seen.insert(path).inserted {
                candidates.append((path, true, forced))
            }
        }

        let checkpoints = try sink.checkpoints(forPaths: candidates.map(\.path))
        var plans: [FilePlan] = []
        var unrecognised = 0
        let planned = plan(candidates.map { ($0.path, $0.forced, checkpoints[$0.path]) })
        for (candidate, outcome) in zip(candidates, planned) {
            switch outcome {
            case .unchanged:
                summary.filesUnchanged += 1
            case .read(let plan):
                plans.append(plan)
                bytesTotal += plan.bytesToRead
            case .batchInput:
                // Requests, not usage: joined with its output file when that is imported.
                summary.filesSkipped += 1
                if candidate.explicit {
                    problems.append("\(candidate.path) is an OpenAI Batch input file (requests, no usage); import its output file, which is joined with it (or pass it with --batch-input).")
                }
            case .unrecognised:
                summary.filesSkipped += 1
                unrecognised += 1
                if candidate.explicit || unrecognised <= 20 {
                    problems.append("\(candidate.path) is not a usage log TokenLedger recognises; pass --format F to read it as format F.")
                }
            case .unreadable(let reason):
                summary.filesSkipped += 1
                problems.append("cannot read \(candidate.path) (\(reason)); check its permissions.")
            }
        }

        if unrecognised > 20 {
            problems.append("\(unrecognised - 20) more files in the given folders are not usage logs TokenLedger recognises.")
        }
        // Several `.lines` files are read and parsed at once on workers; this thread takes what they
        // read file by file, in plan order, so the ledger ends as a sequential read leaves it.
        let linePlans = plans.filter { $0.adapter.layout == .lines }
        let ahead = options.readingThreads > 0 && linePlans.count > 1
            ? LineReadAhead(readers: linePlans.map(lineReader(for:)), workers: options.readingThreads,
                            lookahead: options.readingThreads + 1)
            : nil
        defer { ahead?.cancel() }
        do {
            var lineFile = 0
            for plan in plans {
                var source: (reader: LineReadAhead, index: Int)?
                if plan.adapter.layout == .lines, let ahead {
                    source = (ahead, lineFile)
                    lineFile += 1
                }
                if try read(plan, ahead: source) { summary.filesRead += 1 } else { summary.filesSkipped += 1 }
            }
            try flush()
            try drain()
        } catch {
            // Never leave a batch writing in the background behind a failed import.
            _ = try? sink.finish()
            throw error
        }
        reporter.finished()
        if summary.nothingRead {
            throw ImportError.nothingRead(problems: problems + summary.problems)
        }
        for problem in problems { reporter.problem(problem) }
        summary.problems = problems + summary.problems
        return summary
    }

    // MARK: - Planning

    struct FilePlan {
        var path: String
        var adapter: any LogAdapter
        var status: FileStatus
        /// SHA-256 of the first `min(size, FileCheckpoint.headLength)` bytes. (Plans are made for every
        /// file before reading starts, so they keep this digest, never the head bytes themselves.)
        var headSHA: String
        /// Where to continue: offset, line and state of the checkpoint; nil to read from the start.
        var resume: FileCheckpoint?

        var bytesToRead: Int64 {
            adapter.layout == .lines ? status.size - (resume?.offset ?? 0) : status.size
        }
    }

    enum Plan {
        case unchanged
        case read(FilePlan)
        case unrecognised
        /// An OpenAI Batch input file: no usage of its own.
        case batchInput
        case unreadable(String)
    }

    /// The plan of each file, in order. With reading workers, files are planned on every core at once
    /// (`plan` reads only the file and this pipeline's settings): reading a file's head, hashing it and
    /// detecting its format cost a few million instructions a file before any file is read.
    private func plan(_ files: [(path: String, forced: (any LogAdapter)?, checkpoint: FileCheckpoint?)]) -> [Plan] {
        guard options.readingThreads > 0, files.count > 1 else { return files.map { plan($0.path, forced: $0.forced, checkpoint: $0.checkpoint) } }
        let results = UnsafeMutablePointer<Plan?>.allocate(capacity: files.count)
        results.initialize(repeating: nil, count: files.count)
        defer {
            results.deinitialize(count: files.count)
            results.deallocate()
        }
        // Each iteration writes only its own slot, and concurrentPerform returns after all of them.
        let shared = PlanningShare(pipeline: self, files: files, results: results)
        DispatchQueue.concurrentPerform(iterations: files.count) { k in
            let file = shared.files[k]
            shared.results[k] = shared.pipeline.plan(file.path, forced: file.forced, checkpoint: file.checkpoint)
        }
        return (0..<files.count).map { results[$0] ?? .unreadable("it was not planned") }
    }

    /// What `plan(_:)` hands `concurrentPerform`'s iterations, which only read the pipeline's settings
    /// and write disjoint result slots.
    private struct PlanningShare: @unchecked Sendable {
        let pipeline: ImportPipeline
        let files: [(path: String, forced: (any LogAdapter)?, checkpoint: FileCheckpoint?)]
        let results: UnsafeMutablePointer<Plan?>
    }

    private func plan(_ path: String, forced explicitAdapter: (any LogAdapter)?, checkpoint: FileCheckpoint?) -> Plan {
        let previous = checkpoint.flatMap { c in adapter(named: c.format) }
        let sameFormat = explicitAdapter == nil || explicitAdapter?.name == checkpoint?.format
        let knownLayout = (explicitAdapter ?? previous)?.layout
        guard var status = knownLayout == .database ? FileStatus.ofDatabase(path) : FileStatus.of(path) else {
            return .unreadable("it disappeared while importing")
        }
        if let c = checkpoint, previous != nil, sameFormat, c.device == status.device, c.inode == status.inode,
           c.size == status.size, c.mtimeNanoseconds == status.mtimeNanoseconds {
            // An unterminated last line waits until the file has settled; then it is read once.
            let pendingTail = c.offset < c.size && previous?.layout == .lines && isSettled(status)
            if !pendingTail { return .unchanged }
        }
        guard let head = FileStatus.bytes(of: path, count: ImportPipeline.detectLength) else {
            return .unreadable(String(cString: strerror(errno)))
        }
        var chosen = explicitAdapter
        var resume: FileCheckpoint?
        if let c = checkpoint, let previous, sameFormat, c.device == status.device, c.inode == status.inode,
           status.size >= c.offset, let sha = c.headSHA {
            let hashed = Int(min(Int64(FileCheckpoint.headLength), c.size))
            if head.count >= hashed, SHA256.hexDigest(head.prefix(hashed)) == sha {
                chosen = previous
                resume = c
            }
        }
        if chosen == nil { chosen = LogAdapters.detect(path: path, head: head, among: detectors) }
        guard let adapter = chosen else { return OpenAIBatchAdapter.isBatchInput(head: head) ? .batchInput : .unrecognised }
        if adapter.layout == .database, knownLayout != .database, let db = FileStatus.ofDatabase(path) { status = db }
        let headSHA = SHA256.hexDigest(head.prefix(Int(min(Int64(FileCheckpoint.headLength), status.size))))
        return .read(FilePlan(path: path, adapter: adapter, status: status, headSHA: headSHA, resume: resume))
    }

    private func isSettled(_ status: FileStatus) -> Bool {
        let age = Date().timeIntervalSince1970 - Double(status.mtimeNanoseconds) / 1e9
        return age >= options.settledAge
    }

    // MARK: - Reading

    /// The parser's context for one planned file.
    private func context(for plan: FilePlan) -> ImportContext {
        var context = ImportContext(
            file: URL(fileURLWithPath: plan.path), project: options.project, tags: options.tags, channel: options.channel,
            options: options.formatOptions, naiveTimeZone: options.naiveTimeZone)
        context.naiveTimeZoneIsDefault = options.naiveTimeZoneIsDefault
        return context
    }

    /// Entries and malformed lines per `LineChunk`: the pipeline checks its batch after each chunk, so
    /// a chunk is small against a batch (and a single line for tiny test batches).
    private var itemsPerChunk: Int { max(1, min(256, options.batchSize / 16)) }

    /// The reader of one planned `.lines` file, for this thread or a reading worker.
    private func lineReader(for plan: FilePlan) -> LineFileReader {
        LineFileReader(
            path: plan.path, adapter: plan.adapter, context: context(for: plan), resume: plan.resume, size: plan.status.size,
            settled: isSettled(plan.status), itemsPerChunk: itemsPerChunk)
    }

    /// Reads one planned file (a `.lines` file from `ahead`'s workers when given, else on this thread);
    /// false when it could not be read (reported as a problem).
    private func read(_ plan: FilePlan, ahead: (reader: LineReadAhead, index: Int)?) throws -> Bool {
        let layout = plan.adapter.layout
        currentPath = plan.path
        fileOnDisk = nil
        currentFormat = plan.adapter.name
        currentLayout = layout
        currentLine = layout == .database ? 0 : 1

        var checkpoint = FileCheckpoint(
            path: plan.path, format: plan.adapter.name, device: plan.status.device, inode: plan.status.inode,
            size: plan.status.size, mtimeNanoseconds: plan.status.mtimeNanoseconds, headSHA: plan.headSHA,
            offset: 0, line: 0, state: nil)
        if layout == .lines {
            guard try readLines(plan, ahead: ahead, checkpoint: &checkpoint) else { return false }
        } else {
            let resume = layout == .document ? nil : plan.resume
            let parser = plan.adapter.makeParser(context: context(for: plan), state: resume?.state)
            let emit: (LogItem) -> Void = { [unowned self] item in self.handle(item) }
            if layout == .document {
                guard let bytes = FileStatus.bytes(of: plan.path, count: Int(plan.status.size)) else {
                    summary.problems.append("cannot read \(plan.path) (\(String(cString: strerror(errno)))); check its permissions.")
                    return false
                }
                documentLineCount = bytes.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 } + (bytes.last.map { $0 == 0x0A ? 0 : 1 } ?? 0)
                bytes.withUnsafeBytes { raw in
                    documentBytes = raw
                    parser.parse(document: raw, emit: emit)
                    documentBytes = nil
                }
                parser.finish(emit: emit)
                summary.bytesRead += Int64(bytes.count)
                checkpoint.offset = Int64(bytes.count)
                checkpoint.line = bytes.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
                advanceProgress(by: Int64(bytes.count))
            } else {
                do {
                    try parser.parseDatabase(emit: emit)
                } catch {
                    summary.problems.append("cannot read the database \(plan.path) (\("\(error)".singleLine)).")
                    return false
                }
                parser.finish(emit: emit)
                checkpoint.offset = plan.status.size
                summary.bytesRead += plan.status.size
                advanceProgress(by: plan.status.size)
            }
            checkpoint.state = parser.state
        }
        stage(checkpoint)
        if batchIsFull || pendingCheckpoints.count >= 1000 { try flush() }
        return true
    }

    /// What one chunk of a `.lines` file leaves to do.
    private enum ChunkOutcome {
        case more
        case finished
        case unopened
    }

    /// Takes a `.lines` file's chunks in order (from the workers, or read here) and handles each;
    /// false when the file could not be opened. Cost on this thread: pricing and row building only
    /// when workers read.
    private func readLines(_ plan: FilePlan, ahead: (reader: LineReadAhead, index: Int)?,
                           checkpoint: inout FileCheckpoint) throws -> Bool {
        var outcome = ChunkOutcome.more
        if let ahead {
            while outcome == .more { outcome = try take(ahead.reader.next(of: ahead.index), of: plan, checkpoint: &checkpoint) }
        } else {
            var failure: (any Error)?
            lineReader(for: plan).read { chunk in
                do {
                    outcome = try take(chunk, of: plan, checkpoint: &checkpoint)
                    return outcome == .more
                } catch {
                    failure = error
                    return false
                }
            }
            if let failure { throw failure }
        }
        return outcome != .unopened
    }

    /// Handles one chunk of a `.lines` file in order: its entries into the batch, its malformed lines
    /// into quarantine; after a chunk that fills the batch, a mid-file checkpoint and a flush.
    ///
    /// Each entry is moved out of the chunk into the batch (the item left behind holds nothing):
    /// iterating the items copied each entry (retaining its dozen strings) and then freed both copies,
    /// about 4 % of the reading thread on a chat log.
    private func take(_ chunk: consuming LineChunk, of plan: FilePlan, checkpoint: inout FileCheckpoint) throws -> ChunkOutcome {
        if chunk.bytesRead > 0 {
            summary.bytesRead += chunk.bytesRead
            advanceProgress(by: chunk.bytesRead)
        }
        summary.skipped += chunk.skipped
        var items: [LineChunk.Item] = []
        swap(&items, &chunk.items)
        items.withUnsafeMutableBufferPointer { items in
            for index in items.indices {
                var item = LineChunk.Item.taken
                swap(&item, &items[index])
                switch consume item {
                case .entry(let entry, let line):
                    currentLine = line
                    accept(entry)
                case .malformed(let reason, let line, let place):
                    quarantine(reason: reason, line: line, place: place ?? placeOnDisk(line: line))
                }
            }
        }
        switch chunk.end {
        case .more:
            if batchIsFull {
                // A mid-file checkpoint records the file as read up to here (size = offset), so
                // the next run continues from it even if the file does not change meanwhile.
                var partial = checkpoint
                partial.offset = chunk.offset
                partial.size = partial.offset
                partial.headSHA = ImportPipeline.headSHA(of: plan, upTo: partial.size)
                partial.line = chunk.line
                partial.state = chunk.state
                stage(partial)
                try flush()
            }
            return .more
        case .finished(let problem):
            if let problem { summary.problems.append(problem) }
            checkpoint.offset = chunk.offset
            checkpoint.line = chunk.line
            checkpoint.state = chunk.state
            return .finished
        case .unopened(let problem):
            summary.problems.append(problem)
            return .unopened
        }
    }

    /// The head digest a checkpoint that covers only `size` bytes must carry: the plan's own digest
    /// when both cover the full head length, else the digest of the shorter head, read again.
    static func headSHA(of plan: FilePlan, upTo size: Int64) -> String? {
        let length = Int(min(Int64(FileCheckpoint.headLength), size))
        if length == Int(min(Int64(FileCheckpoint.headLength), plan.status.size)) { return plan.headSHA }
        return FileStatus.bytes(of: plan.path, count: length).map { SHA256.hexDigest($0) }
    }

    // MARK: - Emitted items

    /// Why an emitted entry cannot be stored (quarantined instead); nil when it can.
    static func rejection(of entry: LedgerEntry) -> String? {
        // A date from a damaged log (a giant Unix time, year 99999) would not fit the ledger's
        // millisecond column: quarantined like any other unreadable line.
        guard storableDates.contains(entry.record.timestamp) else {
            return "the request time is not a date between 1970 and 9999"
        }
        // Every adapter should refuse absurd counts itself; this catches one that does not (a
        // CSV's Int.max once reached the ledger, where summing it traps).
        guard entry.record.tokens.countsInRange else {
            return entry.record.tokens.inconsistency ?? "token counts are negative or implausibly large"
        }
        return nil
    }

    /// What a document or database parser emits (`.lines` files come as `LineChunk`s).
    private func handle(_ item: LogItem) {
        switch item {
        case .entry(let emitted):
            if let why = ImportPipeline.rejection(of: emitted) {
                handle(.malformed(reason: why, line: emitted.location?.line))
                return
            }
            accept(emitted)
            // Whole documents and databases may hold many records: commit them in batches (without
            // the checkpoint, which commits last; a kill re-reads the file and dedup keys absorb it).
            if batchIsFull { try? flushOrRemember() }
        case .malformed(let reason, let line):
            var number = line ?? currentLine
            // A document's parser may place an error at its end one line past the last.
            if currentLayout == .document, let last = documentLineCount, number > last { number = last }
            var place: LinePlace?
            if let document = documentBytes, let range = ImportPipeline.lineRange(number, in: document) {
                place = LinePlace(
                    offset: Int64(range.lowerBound), length: range.count,
                    sha: SHA256.hexDigest(UnsafeRawBufferPointer(rebasing: document[range])))
            }
            quarantine(reason: reason, line: number, place: place)
        case .skipped:
            summary.skipped += 1
        }
    }

    /// Adds a checked entry (emitted while `currentLine` was read) to the batch.
    private func accept(_ emitted: consuming LedgerEntry) {
        // Most entries need nothing added here and move into the batch as emitted; only one that
        // does is changed first.
        if emitted.record.provider == "unknown" || emitted.location == nil || options.project != nil || !options.tags.isEmpty
            || options.channel != nil {
            var entry = emitted
            if entry.record.provider == "unknown" { entry.record.provider = provider(ofModel: entry.record.model) }
            if entry.location == nil { entry.location = SourceLocation(file: currentPath, line: currentLine) }
            if let project = options.project { entry.record.project = project }
            for (key, value) in options.tags { entry.record.tags[key] = value }
            if let channel = options.channel { entry.record.channel = channel }
            pendingRows.append(entry)
        } else {
            pendingRows.append(emitted)
        }
    }

    /// Quarantines line `number` of the current file at `place` (nil: listed without its bytes).
    private func quarantine(reason rawReason: String, line number: Int, place: LinePlace?) {
        // A reason may quote a value from the line: one line, and never a key.
        let reason = SecretRedaction.redactingKeys(rawReason.singleLine)
        summary.quarantined += 1
        reporter.malformed(file: currentPath, line: number, reason: reason)
        pendingQuarantine.append(QuarantinedLine(
            file: currentPath, line: number, byteOffset: place?.offset, byteLength: place?.length, format: currentFormat,
            reason: reason, lineSHA: place?.sha ?? SHA256.hexDigest([UInt8]())))
    }

    private var deferredError: (any Error)?
    /// The current file's bytes, read once when a line must be found again (`placeOnDisk`).
    private var fileOnDisk: (path: String, bytes: [UInt8])?

    /// Where 1-based line `number` of the current file is on disk, for a line a parser reported after
    /// it was handed over (a pretty-printed document read by a line-by-line format, parsed at its
    /// end), so `--quarantine` can show it; nil when the file has no such line or the line is longer
    /// than 1 MiB. Cost: one read of the file (at most 64 MiB) per file with such a line.
    private func placeOnDisk(line number: Int) -> LinePlace? {
        if fileOnDisk?.path != currentPath {
            guard let status = FileStatus.of(currentPath), status.size <= 64 << 20,
                  let bytes = FileStatus.bytes(of: currentPath, count: Int(status.size)) else { return nil }
            fileOnDisk = (currentPath, bytes)
        }
        guard let bytes = fileOnDisk?.bytes else { return nil }
        return bytes.withUnsafeBytes { raw -> LinePlace? in
            // A giant line is not worth a second digest: it is listed without its text, as before.
            guard let range = ImportPipeline.lineRange(number, in: raw), range.count <= 1 << 20 else { return nil }
            return LinePlace(
                offset: Int64(range.lowerBound), length: range.count, sha: SHA256.hexDigest(UnsafeRawBufferPointer(rebasing: raw[range])))
        }
    }
    /// The provider of each model name an adapter could not attribute, from the price tables.
    private var providersByModel: [String: String] = [:]

    /// The provider whose official price table lists `model` (by id, alias or prefixed name), for a
    /// record whose log named none: a response in the OpenAI shape from a model the family rules do
    /// not know. "unknown" when no table lists it. Cost: one resolve per distinct model name.
    private func provider(ofModel model: String) -> String {
        if let known = providersByModel[model] { return known }
        let found = pricing.resolve(model: model).modelID.flatMap { pricing.table(forModel: $0)?.provider } ?? "unknown"
        if providersByModel.count < 4096 { providersByModel[model] = found }
        return found
    }

    /// Dates the ledger stores (Unix milliseconds in 64 bits, shown as four-digit years).
    static let storableDates = Date(timeIntervalSince1970: 0)...Date(timeIntervalSince1970: 253_402_300_799)

    private func flushOrRemember() throws {
        do { try flush() } catch { deferredError = error; throw error }
    }

    /// The byte range of 1-based line `number` in a document (without its terminator).
    static func lineRange(_ number: Int, in document: UnsafeRawBufferPointer) -> Range<Int>? {
        guard number >= 1 else { return nil }
        var line = 1
        var start = 0
        while line < number {
            guard let nl = document[start...].firstIndex(of: 0x0A) else { return nil }
            start = nl + 1
            line += 1
        }
        var end = document[start...].firstIndex(of: 0x0A) ?? document.count
        if end > start && document[end - 1] == 0x0D { end -= 1 }
        return start..<end
    }

    /// Records and quarantined lines both count toward a batch, so a file of nothing but bad lines
    /// is committed in bounded batches too. Into the SQLite ledger the first batch is at most
    /// `firstBatchSize`, so its writer thread starts as soon as a few records are read instead of
    /// after a whole batch (on a chat log, 4,096 records were ~19 ms of reading in which nothing was
    /// written); a team ledger's first batch is the default size when its later ones are larger
    /// (`LargeBatchSink`; a first batch of 16,384 records, the team ledger's size when this was
    /// measured, was ~50 ms of reading with the server idle), and whole (each is one transaction on
    /// the server).
    ///
    /// A team ledger's batches go back to the default size for the last stretch of the import (less
    /// than a large batch's worth of bytes left to read, at the bytes a record so far): the last
    /// batch's server work runs on its own once reading has ended, and a last batch of 16,384 records
    /// kept one core busy ~0.1 s with the other idle.
    private var batchIsFull: Bool {
        pendingRows.count + pendingQuarantine.count >= (batchesSubmitted == 0 ? firstBatchLimit : batchLimit)
    }

    /// The size of batches after the first (`batchIsFull`).
    private var batchLimit: Int {
        guard firstLargeBatch < options.batchSize else { return options.batchSize }
        let records = recordsSubmitted + pendingRows.count
        guard records > 0, summary.bytesRead > 0 else { return options.batchSize }
        let left = Double(bytesTotal - summary.bytesRead)
        return left < Double(summary.bytesRead) / Double(records) * Double(options.batchSize) ? firstLargeBatch : options.batchSize
    }

    /// The most records in the first batch a run submits to the SQLite ledger.
    static let firstBatchSize = 512
    private lazy var firstBatchLimit = sink is LedgerImportSink ? min(options.batchSize, Self.firstBatchSize) : min(options.batchSize, firstLargeBatch)
    /// The first batch's size when the sink's preferred size replaced the default (`init`).
    private var firstLargeBatch = Int.max
    /// Batches submitted to the sink by this pipeline, and the records in them.
    private var batchesSubmitted = 0
    private var recordsSubmitted = 0

    private func stage(_ checkpoint: FileCheckpoint) {
        pendingCheckpoints[checkpoint.path] = checkpoint
    }

    private func advanceProgress(by bytes: Int64) {
        lastProgress += bytes
        if lastProgress >= 1 << 20 || summary.bytesRead >= bytesTotal {
            lastProgress = 0
            reporter.progress(bytesRead: summary.bytesRead, bytesTotal: bytesTotal)
        }
    }

    /// Hands the pending records, quarantined lines and checkpoints to the sink, which writes them
    /// together (for SQLite, `BatchCommitter`: one transaction holds whole batches) in the background while reading goes on. Adds the previous batch's
    /// counts to the summary, or throws its error.
    private func flush() throws {
        if let deferredError { throw deferredError }
        guard pendingRows.count > 0 || !pendingQuarantine.isEmpty || !pendingCheckpoints.isEmpty else { return }
        // Priced as read, on the reading thread, while the previous batch is still being written.
        let batch = pendingRows.build()
        let quarantine = pendingQuarantine
        let checkpoints = Array(pendingCheckpoints.values)
        pendingQuarantine = []
        pendingCheckpoints = [:]
        let finished = try committed {
            try sink.submit(ImportBatch(records: batch, quarantine: quarantine, checkpoints: checkpoints))
        }
        batchesSubmitted += 1
        recordsSubmitted += batch.count
        if let finished { count(finished) }
        // Keeps each batch until it is surely written, so its records are freed here rather than on
        // the writer thread.
        batchesInFlight.append(batch)
        if batchesInFlight.count > sink.batchesInFlight { batchesInFlight.removeFirst() }
    }

    /// Waits for the last batch in flight and adds its counts to the summary.
    private func drain() throws {
        if let finished = try committed({ try sink.finish() }) { count(finished) }
    }

    /// Runs a sink call, turning a database error into `LedgerError.writeFailed`.
    private func committed(_ call: () throws -> InsertCounts?) throws -> InsertCounts? {
        do {
            return try call()
        } catch let error as DatabaseError {
            throw LedgerError.writeFailed(reason: error.message ?? "\(error)")
        }
    }

    private func count(_ counts: InsertCounts) {
        summary.imported += counts.inserted
        summary.duplicates += counts.duplicates
        summary.replaced += counts.replaced
        summary.unpriced += counts.unpriced
        summary.unpricedCauses.add(counts.unpricedCauses)
    }
}
