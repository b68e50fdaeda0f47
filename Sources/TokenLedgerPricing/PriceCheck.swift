import TokenLedgerCore

/// Validates a set of price tables together: each file's own problems (bad numbers, unknown keys,
/// missing components, unsorted or overlapping periods) plus what only the whole set shows — an id
/// or alias claimed twice, a channel entry whose id is not in any official table, and drift between a
/// channel's recorded `official` price and the official table. Cost: one parse per file, one pass.
package enum PriceCheck {
    /// Checks the given tables (file name, text) and returns the tables read and every problem found,
    /// in file and line order.
    public static func check(_ files: [(file: String, text: String)]) -> (tables: [PriceTable], problems: [PriceProblem]) {
        var tables: [PriceTable] = []
        var problems: [PriceProblem] = []
        for (file, text) in files {
            let (table, found) = PriceTableReader.read(text, file: file)
            problems += found
            if let table { tables.append(table) }
        }
        problems += crossCheck(tables)
        problems.sort { ($0.location.file, $0.location.line) < ($1.location.file, $1.location.line) }
        return (tables, problems)
    }

    static func crossCheck(_ tables: [PriceTable]) -> [PriceProblem] {
        var problems: [PriceProblem] = []
        var claimed: [String: (what: String, location: SourceLocation)] = [:]
        for table in tables where table.isOfficial {
            for model in table.models {
                for (name, what) in [(model.id, "id")] + model.aliases.map({ ($0, "alias") }) {
                    let key = name.lowercased()
                    if let earlier = claimed[key] {
                        problems.append(PriceProblem(location: model.location,
                            message: "'\(name)' (\(what) of \(model.id)) is already the \(earlier.what) of a model at \(earlier.location); every id and alias must be unique"))
                    } else {
                        claimed[key] = (what == "id" ? "id" : "alias", model.location)
                    }
                }
            }
        }
        let book = PriceBook(tables: tables.filter(\.isOfficial))
        for table in tables where !table.isOfficial {
            var seen: Set<String> = []
            for model in table.models {
                if !seen.insert(model.id.lowercased()).inserted {
                    problems.append(PriceProblem(location: model.location, message: "\(model.id) appears twice in the \(table.channel) channel"))
                }
                if model.resellerOnly {
                    // No provider sells it: there is no official price to record or compare, but its
                    // names must not shadow an official model's.
                    if let official = book.model(id: model.id) {
                        problems.append(PriceProblem(location: model.location,
                            message: "the channel \(table.channel) marks '\(model.id)' reseller_only, but the official table lists it as \(official.id); drop reseller_only and price it as a channel entry"))
                    }
                    if model.periods.contains(where: { $0.official != nil || $0.assumed }) {
                        problems.append(PriceProblem(location: model.location,
                            message: "\(model.id) is reseller_only: its periods have no official price to record (drop 'official' and 'assumed')"))
                    }
                    continue
                }
                guard let official = book.model(id: model.id), official.id == model.id else {
                    let hint = book.model(id: model.id).map { "; use the canonical id '\($0.id)'" } ?? ""
                    problems.append(PriceProblem(location: model.location,
                        message: "the channel \(table.channel) prices '\(model.id)', which is not a canonical id in any official table\(hint)"))
                    continue
                }
                for period in model.periods {
                    guard let recorded = period.official else {
                        problems.append(PriceProblem(location: period.location,
                            message: "the \(table.channel) period of \(model.id) from \(period.fromText) does not record the official prices it was compared with (official = { input = …, output = … })"))
                        continue
                    }
                    guard let officialPeriod = official.period(on: period.from) else {
                        problems.append(PriceProblem(location: period.location,
                            message: "the \(table.channel) period of \(model.id) starts \(period.fromText), before the official table has any price for it"))
                        continue
                    }
                    for (component, price) in recorded.values.sorted(by: { $0.key < $1.key }) {
                        let actual = officialPeriod.prices.resolved(component)
                        if actual != price {
                            problems.append(PriceProblem(location: period.location,
                                message: "drift: the \(table.channel) entry for \(model.id) from \(period.fromText) records official \(component.rawValue) = \(price.decimalString), but the official table says \(actual?.decimalString ?? "nothing") (period from \(officialPeriod.fromText))"))
                        }
                    }
                }
            }
        }
        return problems
    }
}
