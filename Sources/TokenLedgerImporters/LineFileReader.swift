import Foundation
import TokenLedgerCore
import TokenLedgerLedger
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a quarantined line is in its file: byte offset, length and the digest of its bytes (length
/// nil and the empty digest when the bytes were not held, e.g. a line too long to keep).
struct LinePlace: Sendable {
    var offset: Int64
    var length: Int?
    var sha: String
}

/// What one `.lines` file yielded, in reading order, from its resume point to the end of what `stat`
/// reported: usage entries with their line, malformed lines with where they are, and a count of
/// skipped lines. A chunk ends after the line that brought its entries and malformed lines to the
/// reader's `itemsPerChunk` (or after 8 MiB read), so the pipeline can check its batch (and checkpoint mid-file) at the
/// same places whichever thread read the file.
struct LineChunk: Sendable {
    enum Item: Sendable {
        /// A usage entry emitted while line `line` was read (its dates and counts already checked).
        case entry(LedgerEntry, line: Int)
        /// A line to quarantine. `place` is nil when the parser named a line other than the one it
        /// was reading (the pipeline finds it again on disk).
        case malformed(reason: String, line: Int, place: LinePlace?)

        /// What is left in a chunk's slot once its item was moved out: holds nothing to free.
        static var taken: Item { .malformed(reason: "", line: 0, place: nil) }
    }

    /// How the file stands after the chunk.
    enum End: Sendable {
        /// More chunks follow.
        case more
        /// The file is done; a reading error, if any, is named. `offset`/`line` are the checkpoint's.
        case finished(problem: String?)
        /// The file could not be opened (nothing was read).
        case unopened(problem: String)
    }

    var items: [Item] = []
    var skipped = 0
    /// Bytes read from the file for this chunk.
    var bytesRead: Int64 = 0
    /// The file offset and line number just after the chunk's last line, and the parser's state there.
    var offset: Int64 = 0
    var line = 0
    var state: JSONValue?
    var end = End.more
}

/// Streams one `.lines` file from its resume point up to `size`, hands each complete line (without
/// "\n" or "\r\n") to a parser made for it, and delivers what the parser emits as `LineChunk`s. Runs on
/// the pipeline's thread or on a reading worker (`LineReadAhead`): it touches nothing but the file, its
/// own parser and buffer. Cost: one 1 MiB buffer (grown only for a longer line), `memchr` to find line
/// ends, one parser state per chunk.
struct LineFileReader: Sendable {
    var path: String
    var adapter: any LogAdapter
    var context: ImportContext
    /// Where to continue (offset, line, parser state); nil to read from the start.
    var resume: FileCheckpoint?
    /// The size `stat` reported: nothing past it is read this run.
    var size: Int64
    /// True when a last line without its newline may be read (the file has settled).
    var settled: Bool
    var itemsPerChunk: Int

    /// Reads the file, calling `deliver` with each chunk in order; stops early when `deliver` returns
    /// false. Each chunk is handed over, not copied: its items reach `deliver` held by nothing else,
    /// so the pipeline can move each entry out of them (`ImportPipeline.take`).
    func read(deliver: (consuming LineChunk) -> Bool) {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            var chunk = LineChunk()
            chunk.end = .unopened(problem: "cannot open \(path) (\(String(cString: strerror(errno)))); check its permissions.")
            _ = deliver(chunk)
            return
        }
        defer { close(fd) }
        let parser = adapter.makeParser(context: context, state: resume?.state)
        var consumed = resume?.offset ?? 0      // file offset of buffer[0]: everything before is done
        var lineNumber = resume?.line ?? 0
        if consumed > 0, lseek(fd, off_t(consumed), SEEK_SET) < 0 { consumed = 0; lineNumber = 0 }
        var capacity = ImportPipeline.readChunk
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        defer { buffer.deallocate() }
        var filled = 0
        var discarding = false                         // inside a line too long to keep
        var discardStart: Int64 = 0
        var problem: String?

        // Each chunk starts with room for its items: grown by appends, a chunk of 256 entries was
        // reallocated and copied nine times.
        var chunk = LineChunk()
        chunk.items.reserveCapacity(itemsPerChunk)
        // The line being parsed, for what the parser emits (1 before the first).
        var currentLine = 1
        var currentOffset: Int64 = 0
        var currentBytes: UnsafeRawBufferPointer?
        func malformed(_ reason: String, _ line: Int?) {
            let number = line ?? currentLine
            var place: LinePlace?
            if number == currentLine {
                if let bytes = currentBytes {
                    place = LinePlace(offset: currentOffset, length: bytes.count, sha: SHA256.hexDigest(bytes))
                } else {
                    place = LinePlace(offset: currentOffset, length: nil, sha: SHA256.hexDigest([UInt8]()))
                }
            }
            chunk.items.append(.malformed(reason: reason, line: number, place: place))
        }
        // Each item is handed over (`LogParser.parse(handingOver:number:to:)`): an entry moves into the chunk.
        let take: (consuming LogItem) -> Void = { item in
            switch consume item {
            case .entry(let entry):
                if let why = ImportPipeline.rejection(of: entry) {
                    malformed(why, entry.location?.line)
                } else {
                    chunk.items.append(.entry(entry, line: currentLine))
                }
            case .malformed(let reason, let line):
                malformed(reason, line)
            case .skipped:
                chunk.skipped += 1
            }
        }
        let emit: (LogItem) -> Void = { take($0) }
        func handOver(_ start: Int, _ end: Int, number: Int) {
            currentLine = number
            currentOffset = consumed + Int64(start)
            let bytes = UnsafeRawBufferPointer(start: buffer + start, count: end - start)
            currentBytes = bytes
            parser.parse(handingOver: bytes, number: number, to: take)
            currentBytes = nil
        }
        /// Hands over the chunk when it is full; false when the reader should stop.
        func deliverIfFull(after offset: Int64) -> Bool {
            // Also after 8 MiB without usage, so progress and a skipped-only file move on.
            guard chunk.items.count >= itemsPerChunk || chunk.bytesRead >= 8 << 20 else { return true }
            chunk.offset = offset
            chunk.line = lineNumber
            chunk.state = parser.state
            let full = chunk
            chunk = LineChunk()
            chunk.items.reserveCapacity(itemsPerChunk)
            return deliver(full)
        }

        reading: while true {
            let remainingInFile = size - (consumed + Int64(filled))
            if remainingInFile <= 0 { break }
            if filled == capacity {
                if capacity < ImportPipeline.maximumLineLength {
                    let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                    bigger.copyMemory(from: buffer, byteCount: filled)
                    buffer.deallocate()
                    buffer = bigger
                    capacity *= 2
                } else {
                    // Drop the held part of an over-long line; remember where it started.
                    if !discarding { discarding = true; discardStart = consumed }
                    consumed += Int64(filled)
                    filled = 0
                }
            }
            let want = Int(min(Int64(capacity - filled), remainingInFile))
            let n = posixRead(fd, buffer + filled, want)
            if n < 0 {
                if errno == EINTR { continue }
                problem = "reading \(path) failed (\(String(cString: strerror(errno))))."
                break
            }
            if n == 0 { break }
            filled += n
            chunk.bytesRead += Int64(n)

            var start = 0
            while start < filled, let found = memchr(buffer + start, 0x0A, filled - start) {
                let newline = buffer.distance(to: found)
                lineNumber += 1
                if discarding {
                    discarding = false
                    currentLine = lineNumber
                    currentOffset = discardStart
                    malformed("line longer than \(ImportPipeline.maximumLineLength >> 20) MiB", lineNumber)
                } else {
                    var end = newline
                    if end > start && buffer.load(fromByteOffset: end - 1, as: UInt8.self) == 0x0D { end -= 1 }
                    if end > start { handOver(start, end, number: lineNumber) }
                }
                start = newline + 1
                guard deliverIfFull(after: consumed + Int64(start)) else { return }
            }
            if start > 0 {
                buffer.copyMemory(from: buffer + start, byteCount: filled - start)
                consumed += Int64(start)
                filled -= start
            }
        }
        // What is left is a last line without its newline: read it only once the file has settled.
        if filled > 0 && !discarding && settled && consumed + Int64(filled) == size {
            lineNumber += 1
            var end = filled
            if buffer.load(fromByteOffset: end - 1, as: UInt8.self) == 0x0D { end -= 1 }
            if end > 0 { handOver(0, end, number: lineNumber) }
            consumed += Int64(filled)
        }
        currentBytes = nil
        parser.finish(emit: emit)
        chunk.offset = consumed
        chunk.line = lineNumber
        chunk.state = parser.state
        chunk.end = .finished(problem: problem)
        var last = LineChunk()
        swap(&last, &chunk)
        _ = deliver(last)
    }
}

/// `read(2)`, named apart from the `read` methods of the importers.
@inline(__always)
func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
