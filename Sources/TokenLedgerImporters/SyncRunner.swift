import Foundation
import TokenLedgerCore
import TokenLedgerLedger
import TokenLedgerPricing

/// `tokenledger sync`: imports every `[[source]]` of the config through the import pipeline, each
/// with its own format, project, tags and channel. Exactly once and incremental like `import`: an
/// unchanged file is not read again, so running it every 15 minutes from cron is cheap.
package struct SyncRunner {
    package var sources: [SyncSource]
    /// Where the records go: the SQLite ledger, or a team ledger's sink.
    package var sink: any ImportSink
    package var pricing: PriceBook
    /// Receives malformed-line and problem reports (stderr in the CLI).
    package var reporter: any ImportReporter
    /// The zone of timestamps logged without an offset (the config's `timezone`); nil: the local zone.
    /// A default either way, like the local zone: a format documented UTC stays UTC.
    package var naiveTimeZone: TimeZone?

    package init(sources: [SyncSource], ledger: Ledger, pricing: PriceBook, reporter: any ImportReporter = CollectingImportReporter(),
                 naiveTimeZone: TimeZone? = nil) {
        self.init(sources: sources, sink: ImportPipeline.sink(for: ledger), pricing: pricing, reporter: reporter, naiveTimeZone: naiveTimeZone)
    }

    /// A sync into another ledger engine (e.g. `TeamLedger.importing`'s sink).
    package init(sources: [SyncSource], sink: any ImportSink, pricing: PriceBook, reporter: any ImportReporter = CollectingImportReporter(),
                 naiveTimeZone: TimeZone? = nil) {
        self.sources = sources
        self.sink = sink
        self.pricing = pricing
        self.reporter = reporter
        self.naiveTimeZone = naiveTimeZone
    }

    /// What happened to one source.
    package struct Outcome: Sendable {
        package var source: SyncSource
        /// The import summary, or nil when the source could not be read at all.
        package var summary: ImportSummary?
        /// Why nothing could be read (a missing path, an unrecognised file), one sentence.
        package var failure: String?
    }

    /// Checks every source's format against the built-in adapters before anything is imported, so a
    /// typo in the config is a file:line usage error (exit 2), not a half-done sync.
    package static func validate(_ sources: [SyncSource], adapters: [any LogAdapter] = LogAdapters.all) throws(TOMLError) {
        for source in sources where source.format.lowercased() != "auto" {
            guard adapters.contains(where: { $0.name.caseInsensitiveCompare(source.format) == .orderedSame }) else {
                let known = adapters.map(\.name).joined(separator: ", ")
                throw TOMLError(location: source.location, reason: "unknown format '\(source.format)' for source \(source.path); use \"auto\" or one of: \(known)")
            }
        }
    }

    /// Imports each source in turn. A source that cannot be read is recorded as a failure and the
    /// others still run; ledger errors stop the sync (they would fail every source).
    /// Cost: one pipeline run per source (unchanged files are skipped by their checkpoint).
    package func run() throws -> [Outcome] {
        var outcomes: [Outcome] = []
        for source in sources {
            var options = ImportOptions(format: source.format, project: source.project, tags: source.tags, channel: source.channel)
            if let naiveTimeZone { options.naiveTimeZone = naiveTimeZone }
            do {
                let pipeline = try ImportPipeline(sink: sink, pricing: pricing, options: options, reporter: reporter)
                let summary = try pipeline.run(sources: [ImportSource(url: URL(fileURLWithPath: source.path), format: source.format)])
                outcomes.append(Outcome(source: source, summary: summary, failure: nil))
            } catch let error as ImportError {
                outcomes.append(Outcome(source: source, summary: nil, failure: error.message))
            }
        }
        return outcomes
    }
}
