import ArgumentParser
import Foundation
import TokenLedger

// MARK: - prices check

extension TokenLedgerCommand.Prices {
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate price tables; exit 1 when any problem is found.",
            discussion: """
                Checks each table (bad numbers, unknown keys, missing components, unsorted or overlapping \
                periods) and the set (duplicate ids and aliases, channel ids missing from the official tables, \
                drift between a channel's recorded official price and the official table), each with file:line. \
                Without FILE, checks the tables bundled in this binary and your own tables \
                ($XDG_CONFIG_HOME/tokenledger/prices/*.toml, [[prices]] path = ... in the config). Files given \
                replace the bundled table of the same name for the cross-checks.

                Examples:
                  tokenledger prices check
                  tokenledger prices check pricing/*.toml
                """
        )

        @Argument(help: ArgumentHelp("Table files to check (default: the bundled tables and your own tables).", valueName: "file"))
        var files: [String] = []

        @OptionGroup var configOptions: ConfigOptions
        @OptionGroup var output: OutputOptions
        @OptionGroup var quietOptions: QuietOptions

        func run() async throws {
            var inputs: [(file: String, text: String)] = []
            for path in files {
                inputs.append((path, try TextInput.read(path)))
            }
            // Without FILE: your own tables too, each on its own (they may list bundled ids on purpose:
            // that is how they layer), so their problems are found here rather than by the next import.
            var userProblems: [PriceProblem] = []
            var userModels = 0
            var userFiles: [String] = []
            if files.isEmpty {
                for url in try UserPriceTables.files(config: ConfigFile.load(explicit: configOptions.config)) {
                    let (table, problems) = PriceTableReader.read(try TextInput.read(url.path), file: url.path)
                    userProblems += problems
                    userModels += table?.models.count ?? 0
                    userFiles.append(url.path)
                }
            }
            let given = Set(inputs.map { ($0.file as NSString).lastPathComponent })
            let bundled = PriceBook.bundledFiles.filter { !given.contains(($0.file as NSString).lastPathComponent) }
            let checkedFiles = files.isEmpty ? Set(bundled.map(\.file)) : Set(files)
            let (tables, all) = PriceCheck.check(inputs + bundled)
            let problems = all.filter { checkedFiles.contains($0.location.file) } + userProblems
            let checkedTables = tables.filter { checkedFiles.contains($0.file) }
            let models = checkedTables.reduce(0) { $0 + $1.models.count } + userModels
            let tableCount = checkedFiles.count + userFiles.count
            if output.json {
                Console.writeJSON(.object(JSONObject([
                    ("tables", .int(checkedTables.count + userFiles.count)), ("models", .int(models)),
                    ("problems", .array(problems.map {
                        .object(JSONObject([("file", .string($0.location.file)), ("line", .int($0.location.line)), ("message", .string($0.message))]))
                    })),
                ])))
            } else {
                for problem in problems { Console.write("\(problem)\n") }
                let summary = "checked \(tableCount) table\(tableCount == 1 ? "" : "s") (\(models) models): "
                    + (problems.isEmpty ? "no problems" : "\(problems.count) problem\(problems.count == 1 ? "" : "s")")
                quietOptions.note(summary)
            }
            if !problems.isEmpty { throw ExitCode(ExitStatus.failure.rawValue) }
        }
    }
}
