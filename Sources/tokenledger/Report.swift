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

        @Option(name: .long, help: ArgumentHelp("Group by these keys, comma-separated (default: model).", valueName: "keys"))
        var by: String?

        @Option(name: .long, help: ArgumentHelp("Start date (local, inclusive) or datetime.", valueName: "date"))
        var since: String?

        @Option(name: .long, help: ArgumentHelp("End date (local, whole day included) or datetime (exclusive).", valueName: "date"))
        var until: String?

        @Option(name: .long, help: ArgumentHelp("A calendar month in --tz, e.g. 2026-11.", valueName: "yyyy-mm"))
        var month: String?

        @Option(name: .long, help: ArgumentHelp("Only this model (resolved id or name as logged); repeatable.", valueName: "name"))
        var model: [String] = []

        @Option(name: .long, help: ArgumentHelp("Only this provider; repeatable.", valueName: "name"))
        var provider: [String] = []

        @Option(name: .long, help: ArgumentHelp("Only this project; repeatable.", valueName: "name"))
        var project: [String] = []

        @Option(name: .long, help: ArgumentHelp("Only records tagged KEY=VALUE; repeatable (all must match).", valueName: "key=value"))
        var tag: [String] = []

        @Option(name: .long, help: ArgumentHelp("IANA time zone for days, weeks, months and dates (default: the local zone).", valueName: "zone"))
        var tz: String?

        @Option(name: .long, help: ArgumentHelp("Output format: table, csv, json, markdown, html, prometheus (default: table).", valueName: "format"))
        var format: String?

        @Flag(name: .long, help: "Show provider-reported cost next to computed cost, and the difference.")
        var reconcile = false

        @Option(name: .long, help: ArgumentHelp("Aggregate export rows: auto (only where a provider has no per-request rows), exclude, only.", valueName: "mode"))
        var aggregates: String = "auto"

        @Option(name: .long, help: ArgumentHelp("Write the report to this file instead of stdout.", valueName: "path"))
        var output: String?

        @OptionGroup var ledgerOptions: LedgerOptions
        @OptionGroup var outputOptions: OutputOptions

        func validate() throws {
            if outputOptions.json, let format, format.lowercased() != "json" {
                throw ValidationError("--json and --format \(format) disagree; give one of them.")
            }
            if let shortcut, !["daily", "weekly", "monthly"].contains(shortcut) {
                throw ValidationError("'\(shortcut)' is not a report shortcut; use daily, weekly or monthly (or --by KEYS).")
            }
            if AggregatePolicy(rawValue: aggregates) == nil {
                throw ValidationError("--aggregates '\(aggregates)' is not a mode; use auto, exclude or only.")
            }
        }

        func run() async throws {
            let outputFormat = outputOptions.json ? .json : try ReportFormat(parsing: format ?? "table")
            let zone = try ReportQuery.timeZone(named: tz)
            var dimensions: [GroupDimension]
            if let by {
                dimensions = try GroupDimension.parseList(by)
            } else {
                switch shortcut {
                case "daily": dimensions = [.day]
                case "weekly": dimensions = [.week]
                case "monthly": dimensions = [.month]
                default: dimensions = outputFormat == .prometheus ? [.model, .effort] : [.model]
                }
            }
            var period = try ReportPeriod.parse(since: since, until: until, month: month, in: zone)
            if outputFormat == .prometheus && since == nil && until == nil && month == nil {
                period = ReportPeriod.month(containing: Date(), in: zone)
            }
            let query = ReportQuery(
                groupBy: dimensions, period: period, timeZone: zone,
                models: model, providers: provider, projects: project,
                tags: try tag.map { text throws(ReportError) in try TagFilter(parsing: text) },
                aggregates: AggregatePolicy(rawValue: aggregates) ?? .auto, reconcile: reconcile
            )

            let source: ReportSource
            if let address = try ledgerOptions.teamAddress() {
                source = .team(try TeamLedger.connect(address))
            } else {
                source = .local(try Report.openLedger(try ledgerOptions.ledgerURL(command: "report")))
            }
            let text = try await Report.render(query, from: source, format: outputFormat, style: output == nil ? Console.style : .plain)
            if let output {
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
                } catch {
                    throw ReportError.cannotWrite(path: output, reason: error.localizedDescription)
                }
            } else {
                Console.write(text)
            }
        }

        /// The report in `format`; HTML adds its charts (day × model × effort) from a second report.
        static func render(_ query: ReportQuery, from source: ReportSource, format: ReportFormat, style: Style) async throws -> String {
            let report = try await source.spendReport(for: query)
            switch format {
            case .table: return report.renderTable(style: style)
            case .csv: return report.renderCSV()
            case .json: return report.jsonValue().serialized(pretty: true) + "\n"
            case .markdown: return report.renderMarkdown()
            case .prometheus: return report.renderPrometheus()
            case .html:
                var charts = query
                charts.groupBy = [.day, .model, .effort]
                charts.reconcile = false
                let page = HTMLPageInfo(generatedAt: Date(), filters: query.filterDescriptions)
                return report.renderHTML(charts: try await source.spendReport(for: charts), page: page)
            }
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
