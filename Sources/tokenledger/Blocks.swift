import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

extension TokenLedgerCommand {
    /// `tokenledger blocks`: the 5-hour usage windows, and a live view of the active one.
    struct Blocks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The 5-hour usage blocks subscription plans bill by; --live follows the active one.",
            discussion: """
                A block starts at its first request's hour (UTC hour, shown in --tz) and lasts 5 hours; a \
                request after the block's end, or after 5 hours of silence, starts the next (gaps are shown). \
                The active block shows its time left, burn rate (tokens/h and $/h from its first to its last \
                request) and the projection at its end if that rate holds. Without --since/--month the last \
                3 days are shown.

                --live redraws the active block every --refresh seconds (in place on a terminal; Ctrl-C \
                exits). It reads the ledger, so keep it fed: with [[source]]s in the config, --live runs \
                'sync' before each redraw.

                Examples:
                  tokenledger blocks
                  tokenledger blocks --since 20261101 --json
                  tokenledger blocks --live --refresh 10
                """)

        @OptionGroup var filters: UsageFilterOptions
        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var config: ConfigOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        @Flag(help: "Follow the active block: redraw its burn rate, time left and projection until Ctrl-C.")
        var live = false

        @Option(help: ArgumentHelp("With --live: seconds between redraws.", valueName: "seconds"))
        var refresh: Int = 5

        @Option(help: .hidden)
        var frames: Int?

        func validate() throws {
            if refresh < 1 { throw ValidationError("--refresh needs a whole number of seconds, at least 1.") }
            if live && outputOptions.json { throw ValidationError("--live redraws a panel; drop --json (or drop --live for one JSON snapshot).") }
        }

        func run() async throws {
            var query = try filters.query(groupBy: [], config: config)
            if filters.since == nil && filters.until == nil && filters.month == nil {
                // ccusage's default: recent blocks only (and the active one).
                query.period = ReportPeriod(since: Date().addingTimeInterval(-3 * 86_400), label: "last 3 days")
            }
            if live { return try await follow(query) }
            let now = Date()
            let blocks = try ledgerOptions.openStoreForReading(command: "blocks").usageBlocks(for: query, now: now)
            if outputOptions.json {
                Console.writeJSON(UsageBlocksText.json(blocks, now: now))
            } else {
                Console.write(UsageBlocksText.table(blocks, zone: query.timeZone, now: now, style: Console.style, compact: Console.isNarrow))
            }
        }

        /// The live loop: sync the configured sources (if any), read the blocks, draw the active one.
        /// On a terminal each frame replaces the last (cursor home, clear) and Ctrl-C restores the cursor
        /// and exits 0; on a pipe frames are appended, separated by a blank line.
        private func follow(_ query: ReportQuery) async throws {
            let terminal = Console.stdoutIsTerminal
            let file = try ConfigFile.load(explicit: config.config)
            let sources = try SyncSource.sources(in: file)
            try SyncRunner.validate(sources)
            let pricing = try PriceBook.load(config: file)
            let zone = try file.timeZone() // naive timestamps: the config's timezone, else the local zone
            // A team ledger: one connection for the whole run; this machine's sources go in under its name.
            let team = try ledgerOptions.teamAddress().map { address throws in try TeamLedger.connect(address) }
            if terminal { LiveScreen.enter() }
            var drawn = 0
            while frames.map({ drawn < $0 }) ?? true {
                let quiet = TextImportReporter(showsProgress: false) { _ in }
                let blocks: [UsageBlock]
                let now: Date
                if let team {
                    if !sources.isEmpty {
                        _ = try team.importing { sink in try SyncRunner(sources: sources, sink: sink, pricing: pricing, reporter: quiet, naiveTimeZone: zone).run() }
                    }
                    now = Date()
                    blocks = try team.usageBlocks(for: query, now: now)
                } else {
                    let url = try ledgerOptions.ledgerURL(command: "blocks")
                    if !sources.isEmpty {
                        _ = try SyncRunner(sources: sources, ledger: try Ledger.open(at: url), pricing: pricing, reporter: quiet, naiveTimeZone: zone).run()
                    }
                    now = Date()
                    blocks = try Report.openLedger(url).usageBlocks(for: query, now: now)
                }
                var frame: String
                if let active = blocks.last(where: \.isActive) {
                    frame = UsageBlocksText.panel(active, now: now, zone: query.timeZone, style: Console.style)
                } else {
                    let last = blocks.last(where: { !$0.isGap }).flatMap(\.lastMillis)
                    frame = "No active block: no request in the last 5 hours" + (last.map { " (last at \(LocalCalendar.minuteLabel($0, in: query.timeZone)))" } ?? "") + ".\n"
                }
                if !quietOptions.quiet { frame += Console.style.dim("Updated \(LocalCalendar.minuteLabel(Int64(now.timeIntervalSince1970 * 1000), in: query.timeZone)); every \(refresh)s; Ctrl-C to stop.") + "\n" }
                Console.write(terminal ? LiveScreen.home + frame : (drawn > 0 ? "\n" : "") + frame)
                drawn += 1
                if frames.map({ drawn >= $0 }) ?? false { break }
                try await Task.sleep(nanoseconds: UInt64(refresh) * 1_000_000_000)
            }
            if terminal { LiveScreen.leave() }
        }
    }
}

/// The terminal state of `blocks --live`: cursor hidden while it runs, restored on exit and on Ctrl-C.
enum LiveScreen {
    /// Cursor to the top-left, then clear the screen below it.
    static let home = "\u{1B}[H\u{1B}[J"

    static func enter() {
        Console.write("\u{1B}[?25l\u{1B}[2J")
        signal(SIGINT) { _ in
            // Only async-signal-safe calls here: restore the cursor, end the line, exit 0.
            _ = write(STDOUT_FILENO, "\u{1B}[?25h\n", 7)
            _exit(0)
        }
    }

    static func leave() {
        Console.write("\u{1B}[?25h")
    }
}
