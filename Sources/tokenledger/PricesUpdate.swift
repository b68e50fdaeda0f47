import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TokenLedger
import TokenLedgerPostgres

// MARK: - prices update

extension TokenLedgerCommand.Prices {
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Refresh your price tables from LiteLLM's or genai-prices' public price file (a file or URL).",
            discussion: """
                Reads LiteLLM's model_prices_and_context_window.json or pydantic's genai-prices data.json \
                (told apart by shape), converts every price exactly, and compares it with the prices in \
                force. Models no table knows are added; known models whose input, cached input, cache write \
                or output price differs get a new price period from the date the source gives, else from \
                today (--from to choose), so records already billed keep their old prices. The result is \
                written as user tables, one per provider, in $XDG_CONFIG_HOME/tokenledger/prices/ \
                (<source>-<provider>.toml), refreshed in place by the next update; they layer over the \
                bundled tables. Only OpenAI, Anthropic, Google, DeepSeek, xAI and Mistral models are read.

                'litellm' and 'genai-prices' stand for the files the two projects publish on GitHub.

                Examples:
                  tokenledger prices update genai-prices --dry-run
                  tokenledger prices update model_prices_and_context_window.json --dry-run
                  tokenledger prices update litellm --only-new --reprice
                  tokenledger prices update genai-prices.json --provider anthropic --reprice
                """
        )

        @Argument(help: ArgumentHelp("The price file: a path, '-' for stdin, an http(s) URL, or 'litellm' / 'genai-prices' for the project's published file.", valueName: "file-or-url"))
        var source: String

        /// Where the two projects publish their price files (genai-prices' is the one its own updater fetches).
        static let publishedFiles: [String: String] = [
            "litellm": "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json",
            "genai-prices": "https://raw.githubusercontent.com/pydantic/genai-prices/refs/heads/main/prices/new_data/v2/data.json",
        ]

        @Option(help: ArgumentHelp("Only this provider's models (openai, anthropic, google, deepseek, xai, mistral).", valueName: "provider"))
        var provider: String?

        @Option(help: ArgumentHelp("First day of changed prices the source gives no date for (default: today, UTC).", valueName: "date"))
        var from: String?

        @Option(name: .customLong("to"), help: ArgumentHelp("Write the tables to this folder (default: $XDG_CONFIG_HOME/tokenledger/prices).", valueName: "folder"))
        var folder: String?

        @Flag(name: .customLong("dry-run"), help: "Show what would change without writing anything.")
        var dryRun = false

        @Flag(name: .customLong("only-new"), help: "Add models no table knows; leave the prices of known models alone (differences are listed).")
        var onlyNew = false

        @Flag(help: "Then reprice the ledger's records with the new prices and print the money difference.")
        var reprice = false

        @OptionGroup var ledger: LedgerOptions
        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func validate() throws {
            if dryRun && reprice { throw ValidationError("--dry-run writes nothing, so it cannot be combined with --reprice; run 'tokenledger reprice --dry-run' to preview a reprice.") }
            if let provider, !PriceSourceFile.litellmProviders.values.contains(provider.lowercased()) {
                throw ValidationError("--provider \(provider) is not one prices update reads; use openai, anthropic, google, deepseek, xai or mistral.")
            }
        }

        func run() async throws {
            let changeFrom = try from.map { text -> Int in
                guard let day = PriceDate.parse(text) else { throw BadDateError(flag: "--from", text: text) }
                return day
            }
            let config = try ConfigFile.load(explicit: configOptions.config)
            let paths = Paths()
            guard let target = folder.map({ URL(fileURLWithPath: paths.expandTilde($0)) }) ?? UserPriceTables.folder(paths: paths) else {
                throw PriceCLI.Error.noPriceFolder
            }
            // 'litellm' or 'genai-prices' (no such file here): the project's published file.
            let location = FileManager.default.fileExists(atPath: source) ? source : Self.publishedFiles[source.lowercased()] ?? source
            if location != source { quietOptions.note("fetching \(location)") }
            let text = try await PriceSourceDownload.text(of: location)
            let file = try PriceSourceFile.read(json: text, provider: provider?.lowercased())
            // The prices in force: bundled + user tables (a bad one stops here), without terms or routes.
            let book = try PriceBook.load(config: config, paths: paths).with(terms: [], routes: [])
            var existing: [String: PriceTable] = [:]
            for name in PriceSourceFile.litellmProviders.values {
                let url = target.appendingPathComponent("\(file.format.slug)-\(name).toml")
                if FileManager.default.fileExists(atPath: url.path) { existing[name] = try UserPriceTables.read(url) }
            }
            let today = PriceDate.day(of: Date())
            let update = PriceUpdate.plan(source: file, book: book, existing: existing, folder: target.path, today: today,
                                          changeFrom: changeFrom, onlyNew: onlyNew)

            // With --reprice the ledger is opened (or the team ledger connected) first: a ledger that
            // cannot be reached fails the command before any table is written.
            func writeTables() throws -> [String] {
                guard !dryRun && !update.tables.isEmpty else { return [] }
                var written: [String] = []
                do {
                    try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
                } catch {
                    throw PriceCLI.Error.cannotWrite(target.path)
                }
                for table in update.tables {
                    let toml = PriceTableWriter.toml(table, header: [
                        "Written by `tokenledger prices update` from \(file.format.rawValue) (\(PriceUpdate.sourceURL(file.format))).",
                        "USD per 1M tokens, exact. Refreshed in place by the next update: new models and changed prices are",
                        "added, nothing is removed. Edit freely; see pricing/FORMAT.md. Delete the file to drop these prices.",
                    ])
                    // Never write a table that would not read back: the next command would refuse to run.
                    _ = try PriceTable.parse(toml, file: table.file)
                    do {
                        try Data(toml.utf8).write(to: URL(fileURLWithPath: table.file), options: .atomic)
                    } catch {
                        throw PriceCLI.Error.cannotWrite(table.file)
                    }
                    written.append(table.file)
                }
                return written
            }

            let written: [String]
            var repriceReport: RepriceReport?
            if reprice {
                var report: RepriceReport
                var tables: [String] = []
                if let team = try await ledger.withTeamLedger({ team in
                    tables = try writeTables()
                    return try team.reprice(with: try PriceBook.load(config: config, paths: paths), apply: true)
                }) {
                    report = team
                } else {
                    let local = try Ledger.open(at: try ledger.ledgerURL(command: "prices update --reprice"))
                    tables = try writeTables()
                    report = try local.reprice(with: try PriceBook.load(config: config, paths: paths), apply: true)
                }
                written = tables
                // Only the model-months whose costs changed: the difference the update made.
                report.lines = report.lines.filter { $0.changed > 0 }
                report.records = report.lines.reduce(0) { $0 + $1.records }
                repriceReport = report
            } else {
                written = try writeTables()
            }

            if output.json {
                Console.writeJSON(.object(JSONObject([
                    ("source", .string(file.format.rawValue)),
                    ("dry_run", .bool(dryRun)),
                    ("unchanged", .int(update.unchanged)),
                    ("changes", .array(update.changes.map { change in
                        .object(JSONObject([
                            ("kind", .string(change.kind.rawValue)), ("model", .string(change.modelID)),
                            ("provider", .string(change.provider)), ("from", .string(change.from)), ("dated_by_source", .bool(change.dated)),
                            ("prices", .array(change.prices.map { p in
                                .object(JSONObject([("component", .string(p.component.rawValue)),
                                                    ("old", p.old.map { .money($0) } ?? .null), ("new", .money(p.new))]))
                            })),
                        ]))
                    })),
                    ("left_alone", .array(update.leftAlone.map { .string($0.modelID) })),
                    ("written", .array(written.map { .string($0) })),
                    ("not_converted", .array(update.notConverted.map { .object(JSONObject([("model", .string($0.model)), ("reason", .string($0.reason))])) })),
                    ("reprice", repriceReport?.json() ?? .null),
                ])))
                return
            }
            Console.write(PricesUpdateText.render(update, style: Console.style))
            if !update.leftAlone.isEmpty {
                quietOptions.note("--only-new: \(update.leftAlone.count) known model\(update.leftAlone.count == 1 ? "" : "s") with different prices left alone: "
                    + update.leftAlone.map(\.modelID).joined(separator: ", "))
            }
            let added = update.changes.filter { $0.kind == .added }.count
            let changed = update.changes.count - added
            var summary = "\(file.format.rawValue): \(added) new model\(added == 1 ? "" : "s"), \(changed) changed, \(update.unchanged) unchanged"
            if !update.notConverted.isEmpty { summary += "; \(update.notConverted.count) prices not converted (--json lists them)" }
            quietOptions.note(summary + ".")
            if dryRun {
                quietOptions.note(update.changes.isEmpty ? "Dry run: nothing to write." : "Dry run: nothing written; run without --dry-run to write \(update.tables.map { ($0.file as NSString).lastPathComponent }.joined(separator: ", ")).")
            } else if !written.isEmpty {
                quietOptions.note("wrote \(written.joined(separator: ", "))")
            }
            if let repriceReport, repriceReport.changed == 0 {
                Console.write("\nNo record in the ledger changed cost; nothing repriced.\n")
            } else if let repriceReport {
                Console.write("\n" + repriceReport.text(style: Console.style))
            } else if !dryRun && !written.isEmpty {
                quietOptions.note("Records already in the ledger keep their stored costs; run 'tokenledger reprice' (or pass --reprice) to apply the new prices.")
            }
        }
    }
}

/// The text `prices update` prints: one line per new model or changed price, with its dates.
enum PricesUpdateText {
    static func render(_ update: PriceUpdate, style: Style) -> String {
        guard !update.changes.isEmpty else { return "" }
        var table = TextTable(columns: [.init("Change"), .init("Model"), .init("Provider"), .init("From"), .init("Prices (USD per 1M tokens)")])
        for change in update.changes.sorted(by: { ($0.kind.rawValue, $0.provider, $0.modelID) < ($1.kind.rawValue, $1.provider, $1.modelID) }) {
            let prices = change.prices.map { p in
                p.old.map { "\(p.component.rawValue) \(PriceCLI.exact($0)) → \(PriceCLI.exact(p.new))" } ?? "\(p.component.rawValue) \(PriceCLI.exact(p.new))"
            }.joined(separator: ", ")
            table.addRow([change.kind.rawValue, change.modelID, change.provider, change.from + (change.dated ? "" : " *"), prices])
        }
        var out = table.render(style: style)
        if update.changes.contains(where: { !$0.dated }) {
            out += "* the source gives no date: a new model's prices apply to all its records, a changed price from the day given by --from (default today).\n"
        }
        return out
    }
}

/// Reads a price file from a path, stdin ('-') or an http(s) URL.
enum PriceSourceDownload {
    enum Error: UserFacingError {
        case failed(url: String, reason: String)

        var message: String {
            switch self {
            case .failed(let url, let reason):
                return "cannot download \(url) (\(reason)); check the address, or download it yourself and pass the file."
            }
        }

        var exitStatus: ExitStatus { .failure }
    }

    static func text(of source: String) async throws -> String {
        guard source.hasPrefix("http://") || source.hasPrefix("https://"), let url = URL(string: source) else {
            return try TextInput.read(source)
        }
        var request = URLRequest(url: url, timeoutInterval: 60)
        request.setValue("tokenledger", forHTTPHeaderField: "User-Agent")
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await fetch(request)
        } catch {
            throw Error.failed(url: source, reason: error.localizedDescription)
        }
        if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
            throw Error.failed(url: source, reason: "the server replied HTTP \(http.statusCode)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw Error.failed(url: source, reason: "the reply is not UTF-8 text") }
        return text
    }

    /// One GET through URLSession (FoundationNetworking's real HTTP client on Linux).
    static func fetch(_ request: URLRequest) async throws -> (Data, URLResponse) {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        return try await withCheckedThrowingContinuation { continuation in
            session.dataTask(with: request) { data, response, error in
                if let error { continuation.resume(throwing: error) }
                else if let data, let response { continuation.resume(returning: (data, response)) }
                else { continuation.resume(throwing: URLError(.badServerResponse)) }
            }.resume()
        }
    }
}
