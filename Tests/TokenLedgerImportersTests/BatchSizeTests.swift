import Foundation
import Testing
import TokenLedgerCore
import TokenLedgerImporters
import TokenLedgerLedger
import TokenLedgerPricing

/// How many records the pipeline puts in a batch: `ImportOptions.batchSize` when given, else the
/// sink's preference (`LargeBatchSink`), else the default.
@Suite("batch sizes")
struct BatchSizeTests {
    /// A sink that stores nothing and remembers each batch's record count.
    final class SizeRecordingSink: LargeBatchSink {
        let preferredBatchSize: Int
        var sizes: [Int] = []
        init(preferring size: Int) { preferredBatchSize = size }
        func checkpoints(forPaths paths: [String]) throws -> [String: FileCheckpoint] { [:] }
        var batchesInFlight: Int { 1 }
        func submit(_ batch: ImportBatch) throws -> InsertCounts? {
            if batch.records.count > 0 { sizes.append(batch.records.count) }
            return nil
        }
        func finish() throws -> InsertCounts? { nil }
    }

    func sizes(_ options: ImportOptions, lines: Int = 100, preferring size: Int = 40) throws -> [Int] {
        let dir = try TestLog.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("log.jsonl")
        try TestLog.write((0..<lines).map { TestLog.use("r\($0)") }.joined(), to: file)
        let sink = SizeRecordingSink(preferring: size)
        _ = try ImportPipeline(sink: sink, pricing: PriceBook(), adapters: [TestJSONLAdapter()], options: options).run(paths: [file])
        return sink.sizes
    }

    @Test("the sink's preferred size when the options leave it at the default; the options' when given or set")
    func preferredUnlessGiven() throws {
        #expect(try sizes(ImportOptions()) == [40, 40, 20])
        // A first batch at most the default size (4,096), so the sink starts writing early.
        // (A line file's batch ends after the chunk of 256 lines that filled it: 5,120 for 5,000.) The
        // last stretch, less than a large batch's worth of bytes by the bytes read so far (which run
        // ahead of the records by up to a read), goes in batches of the default size.
        let large = try sizes(ImportOptions(), lines: 30_000, preferring: 5_000)
        #expect(large.reduce(0, +) == 30_000 && large.first == 4_096 && large.dropFirst().first == 5_120)
        #expect(large.suffix(2).allSatisfy { $0 <= 4_096 } && large.dropLast().allSatisfy { $0 == 4_096 || $0 == 5_120 })
        #expect(try sizes(ImportOptions(batchSize: 30)) == [30, 30, 30, 10])
        var set = ImportOptions()
        set.batchSize = ImportOptions().batchSize  // set to the default's value: still the caller's choice
        #expect(try sizes(set, preferring: 7) == [100])
        #expect(ImportOptions().batchSize == 4096)
    }
}
