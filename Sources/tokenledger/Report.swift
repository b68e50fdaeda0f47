import ArgumentParser
import Foundation
import TokenLedger
import TokenLedgerPostgres

extension TokenLedgerCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Report spend by model, effort tier, day, month, project or source.",
            discussion: """
                Reads the ledger and sums tokens and exact costs per group. Unpriced usage is shown on its \
                own line (never as $0) and makes the totals a lower bound.

                Examples:
                  tokenledger report --month 2026-11 --by model,effort
                  tokenledger report daily --since 2026-11-01 --tz Europe/Berlin
                  tokenledger report monthly --format csv > spend.csv
                  tokenledger report --month 2026-11 --format html --output spend.html
                  tokenledger report --format prometheus --output /var/lib/node_exporter/tokenledger.prom
                  tokenledger report --db postgres://lead@db.example/ledger --month 2026-11 --by machine,model

                --by keys: \(GroupDimension.validKeys.joined(separator: ", ")).
                Formats: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).
                Dates are local days in --tz: --since is inclusive, --until includes its whole day; \
                datetimes are exact instants (--since inclusive, --until exclusive).
                Aggregate rows from usage/cost exports are counted only for providers with no \
                per-request records in the period (--aggregates auto), so nothing is counted twice.
                """
        )

        @Argument(help: ArgumentHelp("Shortcut: 'daily' (--by day), 'weekly' (--by week) or 'monthly' (--by month).", valueName: "daily|weekly|monthly"))
        var shortcut: String?

        @Option(name: .long, help: ArgumentHelp("Group by these keys, comma-separated (default: model; after the shortcut's day, week or month).", valueName: "keys"))
        var by: String?

        @OptionGroup var filters: UsageFilterOptions

        @Option(name: .long, help: ArgumentHelp("Output format: table, csv, json, markdown, html, prometheus (default: table).", valueName: "format"))
        var format: String?

        @Flag(name: .long, help: "Show provider-reported cost next to computed cost, and the difference.")
        var reconcile = false

        @Option(name: .long, help: ArgumentHelp("Aggregate export rows: auto (only where a provider has no per-request rows), exclude, only.", valueName: "mode"))
        var aggregates: String = "auto"

        @Option(name: [.short, .long], help: ArgumentHelp("Write the report to this file instead of stdout.", valueName: "path"))
        var output: String?

        @Flag(name: .customLong("csv-raw"), help: "With --format csv: keep cells that start with =, +, -, @, tab or CR as they are (by default they get a leading ' so a spreadsheet cannot run them as formulas).")
        var csvRaw = false

        @Flag(help: "First import the config's [[source]]s (as 'tokenledger sync' does), so the report is current.")
        var sync = false

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var config: ConfigOptions
        @OptionGroup var outputOptions: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func validate() throws {
            if outputOptions.json, let format, format.lowercased() != "json" {
                throw ValidationError("--json and --format \(format) disagree; give one of them.")
            }
            if let shortcut, !["daily", "weekly", "monthly"].contains(shortcut) {
                throw ValidationError("'\(shortcut)' is not a report shortcut; use daily, weekly or monthly (or --by KEYS).")
            }
            // A bad --by key is reported by run() as a ReportError; here only the shortcut/--by clash.
            if let shortcut, let by, let keys = try? GroupDimension.parseList(by) {
                _ = try Report.dimensions(shortcut: shortcut, by: keys.map(\.name).joined(separator: ","), format: .table)
            }
            if AggregatePolicy(rawValue: aggregates) == nil {
                throw ValidationError("--aggregates '\(aggregates)' is not a mode; use auto, exclude or only.")
            }
        }

        func run() async throws {
            let outputFormat = outputOptions.json ? .json : try ReportFormat(parsing: format ?? "table")
            let dimensions = try Report.dimensions(shortcut: shortcut, by: by, format: outputFormat)
            var query = try filters.query(groupBy: dimensions, config: config, aggregates: AggregatePolicy(rawValue: aggregates) ?? .auto, reconcile: reconcile)
            if outputFormat == .prometheus && filters.since == nil && filters.until == nil && filters.month == nil {
                query.period = ReportPeriod.month(containing: Date(), in: query.timeZone)
            }

            if sync { try syncSources() }
            let source: ReportSource
            if let address = try ledgerOptions.teamAddress() {
                source = .team(try TeamLedger.connect(address))
            } else {
                source = .local(try Report.openLedger(try ledgerOptions.ledgerURL(command: "report")))
            }
            let layout = TableLayout(style: output == nil ? Console.style : .plain, compact: output == nil && Console.isNarrow,
                                     listsModels: by == nil && shortcut != nil, csvRaw: csvRaw, quiet: quietOptions.quiet)
            let text = try await Report.render(query, from: source, format: outputFormat, layout: layout)
            if let output {
                do {
                    // Atomic (a temporary file renamed over the target) for a regular file only: renaming
                    // over /dev/stdout or a FIFO would replace the device with a file.
                    let type = (try? FileManager.default.attributesOfItem(atPath: output))?[.type] as? FileAttributeType
                    let regular = !FileManager.default.fileExists(atPath: output) || type == .typeRegular
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: regular ? .atomic : [])
                } catch {
                    throw ReportError.cannotWrite(path: output, reason: error.localizedDescription)
                }
            } else {
                Console.write(text)
            }
        }

        /// `--sync`: imports every configured [[source]] into the local ledger (exactly once, only what is
        /// new); a source that cannot be read is a warning, the report still runs.
        private func syncSources() throws {
            if ledgerOptions.namesTeamLedger {
                throw ValidationError("--sync imports into a local ledger; for a team ledger run 'tokenledger sync --db postgres://…' (from cron) and drop --sync.")
            }
            let file = try ConfigFile.load(explicit: config.config)
            let sources = try SyncSource.sources(in: file)
            guard !sources.isEmpty else { throw SyncCommandError.noSources(path: file.url.path) }
            try SyncRunner.validate(sources)
            let quiet = quietOptions.quiet
            let reporter = TextImportReporter(showsProgress: false) { text in if !quiet { FileHandle.standardError.write(Data(text.utf8)) } }
            let ledger = try Ledger.open(at: try ledgerOptions.ledgerURL(command: "report"))
            for outcome in try SyncRunner(sources: sources, ledger: ledger, pricing: try PriceBook.load(config: file), reporter: reporter,
                                                  naiveTimeZone: try file.timeZone()).run() {
                if let failure = outcome.failure { Console.warning("source \(outcome.source.path): \(failure)") }
            }
            for source in sources {
                try ledger.applySourceMetadata(path: source.path, project: source.project, tags: source.tags)
            }
        }

        /// The `--by` keys: a shortcut's calendar key first, then `--by`'s (`monthly --by model,effort` is
        /// month × model × effort); without either, model (model × effort for Prometheus).
        static func dimensions(shortcut: String?, by: String?, format: ReportFormat) throws -> [GroupDimension] {
            var dimensions = try by.map { text throws(ReportError) in try GroupDimension.parseList(text) } ?? []
            let calendar: GroupDimension?
            switch shortcut {
            case "daily": calendar = .day
            case "weekly": calendar = .week
            case "monthly": calendar = .month
            default: calendar = nil
            }
            if let calendar {
                if let other = dimensions.first(where: \.isTime), other != calendar {
                    throw ValidationError("'\(shortcut ?? "")' groups by \(calendar.name) but --by asks for \(other.name); give one of them.")
                }
                dimensions.removeAll { $0 == calendar }
                dimensions.insert(calendar, at: 0)
                guard dimensions.count <= ReportQuery.maximumGroupKeys else { throw ReportError.tooManyGroupKeys(dimensions.count) }
            }
            if by == nil && calendar == nil { dimensions = format == .prometheus ? [.model, .effort] : [.model] }
            return dimensions
        }

        /// How a table is laid out: colour, compact (a narrow terminal), and whether a calendar shortcut's
        /// rows list the models used in them (ccusage's daily view).
        struct TableLayout {
            var style: Style
            var compact = false
            var listsModels = false
            var csvRaw = false
            /// `--quiet`: no caveat on stderr and no freshness information in any format.
            var quiet = false
        }

        /// The report in `format`; HTML adds its charts (day × model × effort) from a second report, and a
        /// shortcut's table its models per row from a second report by period × model.
        static func render(_ query: ReportQuery, from source: ReportSource, format: ReportFormat, layout: TableLayout) async throws -> String {
            let report = try await source.spendReport(for: query)
            let emptyMessage = try await filterMatchedNothing(report, query, source)
            if let emptyMessage, format != .table, !layout.quiet { Console.warning(emptyMessage) }
            // --quiet: the spend alone, in every format (no freshness line, key, footer or gauge).
            let freshness = layout.quiet ? nil : try source.freshness()
            let footer = freshness?.sentence(now: Date(), zone: query.timeZone)
            switch format {
            case .table:
                var rowModels: [[String]]? = nil
                if layout.listsModels, query.groupBy.count == 1, let calendar = query.groupBy.first, calendar.isTime {
                    var byModel = query
                    byModel.groupBy = [calendar, .model]
                    byModel.reconcile = false
                    var models: [String: [String]] = [:]
                    for row in try await source.spendReport(for: byModel).rows {
                        if let period = row.keys[0], let model = row.keys[1] { models[period, default: []].append(model) }
                    }
                    rowModels = report.rows.map { row in (row.keys[0].flatMap { models[$0] } ?? []).sorted() }
                }
                return report.renderTable(style: layout.style, emptyMessage: emptyMessage, rowModels: rowModels, compact: layout.compact,
                                          wrapWidth: layout.compact ? Console.width : nil, footer: footer)
            case .csv: return report.renderCSV(raw: layout.csvRaw)
            case .json:
                var value = report.jsonValue()
                if let freshness, !freshness.sources.isEmpty, case .object(var object) = value {
                    object["freshness"] = freshness.json
                    value = .object(object)
                }
                return value.serialized(pretty: true) + "\n"
            case .markdown: return report.renderMarkdown(footer: footer)
            case .prometheus: return report.renderPrometheus() + (freshness?.prometheus ?? "")
            case .html:
                var charts = query
                charts.groupBy = [.day, .model, .effort]
                charts.reconcile = false
                let page = HTMLPageInfo(generatedAt: Date(), filters: query.filterDescriptions, version: TokenLedgerVersion.string,
                                        freshness: footer)
                return report.renderHTML(charts: try await source.spendReport(for: charts), page: page)
            }
        }

        /// When a filter (model, provider, project, tag) left no rows although the period has usage: a
        /// sentence saying so, so an empty report never blames the period for a filter's miss.
        static func filterMatchedNothing(_ report: SpendReport, _ query: ReportQuery, _ source: ReportSource) async throws -> String? {
            let filters = query.models.map { "--model \($0)" } + query.providers.map { "--provider \($0)" }
                + query.projects.map { "--project \($0)" } + query.branches.map { "--branch \($0)" }
                + query.tags.map { "--tag \($0.key)=\($0.value)" }
            guard report.rows.isEmpty, !filters.isEmpty else { return nil }
            var unfiltered = query
            unfiltered.models = []; unfiltered.providers = []; unfiltered.projects = []; unfiltered.branches = []; unfiltered.tags = []
            unfiltered.groupBy = []
            unfiltered.reconcile = false
            let all = try await source.spendReport(for: unfiltered)
            guard all.totals.records > 0 else { return nil }
            let n = all.totals.records
            return "No usage matched \(filters.joined(separator: " ")): the period has \(NumberText.grouped(n)) record\(n == 1 ? "" : "s"), none with that filter. " +
                "See the values with --by project, branch, model or tag:KEY; for a configured [[source]], 'tokenledger sync' sets its project and tags on records imported earlier."
        }

        /// The ledger a report reads: the local SQLite file or a team ledger on PostgreSQL.
        enum ReportSource {
            case local(Ledger)
            case team(TeamLedger)

            func spendReport(for query: ReportQuery) async throws -> SpendReport {
                switch self {
                case .local(let ledger): return try ledger.spendReport(for: query)
                case .team(let team): return try team.spendReport(for: query)
                }
            }

            /// When each source was last imported: the local ledger's checkpoints, or a team ledger's
            /// per machine (its import checkpoints and its pushes).
            func freshness() throws -> ImportFreshness? {
                switch self {
                case .local(let ledger): return try ImportFreshness(ledger: ledger)
                case .team(let team): return try ImportFreshness(team: team)
                }
            }
        }

        /// Opens the ledger for reading; a ledger from an older version is migrated first.
        static func openLedger(_ url: URL) throws -> Ledger {
            do {
                return try Ledger.openReadOnly(at: url)
            } catch .outdated {
                return try Ledger.open(at: url)
            }
        }
    }
}
