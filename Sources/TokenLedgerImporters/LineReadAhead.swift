import Foundation

/// Reads several `.lines` files at once on worker threads while the pipeline consumes them one by
/// one, in plan order: a tree of hundreds of independent session logs is parsed on as many cores as
/// there are workers, and the pipeline's thread keeps only pricing and row building.
///
/// Everything the ledger sees is decided on the pipeline's thread in the sequential order: it takes
/// the files' chunks in plan order and handles each item as a sequential read would (the same batch
/// checks at the same chunk ends, the same folding of a key's copies, the same first file for a key
/// two files hold at the same rank). Workers only read and parse. Memory stays bounded: a worker takes
/// a file at most `lookahead` files ahead of the one being consumed, and waits while that file already
/// has `queuedChunks` chunks waiting. Cost: one lock round per chunk (`LineFileReader.itemsPerChunk`
/// entries and malformed lines).
final class LineReadAhead: @unchecked Sendable {
    // `@unchecked`: every mutable field is touched only under `condition`.
    private let readers: [LineFileReader]
    private let lookahead: Int
    private let queuedChunks: Int
    private let condition = NSCondition()
    private var chunks: [[LineChunk]]
    /// The next file a worker may take.
    private var nextFile = 0
    /// The file the pipeline is consuming (files before it are done).
    private var consuming = 0
    private var cancelled = false

    /// Starts `workers` threads reading `readers`' files ahead of the consumer.
    init(readers: [LineFileReader], workers: Int, lookahead: Int, queuedChunks: Int = 2) {
        self.readers = readers
        self.lookahead = max(1, lookahead)
        self.queuedChunks = max(1, queuedChunks)
        chunks = Array(repeating: [], count: readers.count)
        for _ in 0..<min(max(1, workers), readers.count) {
            let thread = Thread { [self] in work() }
            thread.name = "tokenledger import reader"
            // The main thread's usual stack: a parser's nesting cap (512 levels) was sized for it.
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// The next chunk of file `index` (files are consumed in order: every chunk of file `index - 1` was
    /// taken before). Waits until a worker has read it.
    func next(of index: Int) -> LineChunk {
        condition.lock()
        defer { condition.unlock() }
        while chunks[index].isEmpty { condition.wait() }
        let chunk = chunks[index].removeFirst()
        if case .more = chunk.end {} else { consuming = max(consuming, index + 1) }
        condition.broadcast()
        return chunk
    }

    /// Stops the workers: each leaves at its next chunk. The pipeline calls it when it is done or
    /// fails (the workers hold the read-ahead until they leave).
    func cancel() {
        condition.lock()
        cancelled = true
        chunks = chunks.map { _ in [] }
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        #if os(Linux)
        // Named for profilers and `tokenledger-bench import`, which reports the readers' CPU time.
        try? "import-reader".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
        #endif
        while let index = take() {
            readers[index].read { chunk in deliver(chunk, of: index) }
        }
    }

    /// The next file to read, once it is within `lookahead` of the consumer; nil when none is left.
    private func take() -> Int? {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && nextFile < readers.count && nextFile >= consuming + lookahead { condition.wait() }
        guard !cancelled, nextFile < readers.count else { return nil }
        nextFile += 1
        return nextFile - 1
    }

    private func deliver(_ chunk: LineChunk, of index: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while !cancelled && chunks[index].count >= queuedChunks { condition.wait() }
        guard !cancelled else { return false }
        chunks[index].append(chunk)
        condition.broadcast()
        return true
    }
}
