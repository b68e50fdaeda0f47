import ArgumentParser
import Foundation
import TokenLedger

/// The period, time zone and filters every spend view takes (`report`, `session`, `blocks`):
/// `--since/--until/--month`, `--tz`, `--model/--provider/--project/--branch/--tag`.
struct UsageFilterOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Start: a day (2026-11-01 or 20261101; local, inclusive) or a datetime.", valueName: "date"))
    var since: String?

    @Option(name: .long, help: ArgumentHelp("End: a day (2026-11-30 or 20261130; whole day included) or a datetime (exclusive).", valueName: "date"))
    var until: String?

    @Option(name: .long, help: ArgumentHelp("A calendar month in --tz, e.g. 2026-11.", valueName: "yyyy-mm"))
    var month: String?

    @Option(name: .long, help: ArgumentHelp("Only this model (resolved id or name as logged); repeatable.", valueName: "name"))
    var model: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only this provider; repeatable.", valueName: "name"))
    var provider: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only this project; repeatable.", valueName: "name"))
    var project: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only requests made on this git branch (coding agents' logs); repeatable.", valueName: "name"))
    var branch: [String] = []

    @Option(name: .long, help: ArgumentHelp("Only records tagged KEY=VALUE; repeatable (all must match).", valueName: "key=value"))
    var tag: [String] = []

    @Option(name: .long, help: ArgumentHelp("IANA time zone for days, weeks, months and dates (default: the config's timezone, else the local zone).", valueName: "zone"))
    var tz: String?

    /// The query these options describe, grouped by `groupBy`; without `--tz`, in the zone of `config`'s
    /// `timezone` (else the local zone).
    func query(groupBy: [GroupDimension], config: ConfigOptions, aggregates: AggregatePolicy = .auto, reconcile: Bool = false) throws -> ReportQuery {
        let zone = try config.timeZone(tz: tz) { text in try ReportQuery.timeZone(named: text) } ?? .current
        return ReportQuery(
            groupBy: groupBy, period: try ReportPeriod.parse(since: since, until: until, month: month, in: zone), timeZone: zone,
            models: model, providers: provider, projects: project,
            tags: try tag.map { text throws(ReportError) in try TagFilter(parsing: text) },
            aggregates: aggregates, reconcile: reconcile, branches: branch)
    }
}
