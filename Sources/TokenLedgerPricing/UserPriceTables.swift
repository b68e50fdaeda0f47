import Foundation
import TokenLedgerCore

/// The user's own price tables, read at run time and layered over the bundled ones: every `*.toml`
/// in `$XDG_CONFIG_HOME/tokenledger/prices/` (by file name), then each config `[[prices]] path = …`
/// (a file or a folder of `*.toml`, relative to the config file), in config order.
///
/// Every file is read strictly, in the same format as `pricing/`: one bad file is an error naming
/// `FILE:LINE` (exit 2) before anything is priced, so nothing is imported or repriced with
/// half-read prices. Cost: one file read and one TOML parse per table.
package enum UserPriceTables {
    /// A user table that cannot be used.
    public enum Error: UserFacingError, Equatable {
        case missing(path: String, location: SourceLocation)
        case unreadable(path: String, reason: String)

        public var message: String {
            switch self {
            case .missing(let path, let location):
                return "\(location): [[prices]] names \(path), which does not exist; fix the path or remove the entry."
            case .unreadable(let path, let reason):
                return "cannot read the price table \(path) (\(reason)); fix or remove it."
            }
        }

        public var exitStatus: ExitStatus { .usage }
    }

    /// The folder whose `*.toml` files are user tables: `$XDG_CONFIG_HOME/tokenledger/prices`, else
    /// `~/.config/tokenledger/prices`; nil when neither variable is set. It need not exist.
    public static func folder(paths: Paths = Paths()) -> URL? {
        if let xdg = paths.nonEmpty("XDG_CONFIG_HOME") { return URL(fileURLWithPath: xdg).appendingPathComponent("tokenledger/prices") }
        return paths.home?.appendingPathComponent(".config/tokenledger/prices")
    }

    /// Every user table file, in layering order (later files are layered over earlier ones).
    public static func files(config: ConfigFile, paths: Paths = Paths()) throws -> [URL] {
        var out: [URL] = []
        if let folder = folder(paths: paths) { out += tomlFiles(in: folder) }
        let base = config.url.deletingLastPathComponent()
        for t in try config.tables("prices") {
            if let (key, location) = t.unknownKeys(allowed: ["path"]).first {
                throw TOMLError(location: location, reason: "unknown key '\(key)' in [[prices]]; it takes only path = \"FILE or FOLDER\"")
            }
            let written = paths.expandTilde(try t.requiredString("path"))
            let url = written.hasPrefix("/") ? URL(fileURLWithPath: written) : base.appendingPathComponent(written)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
                throw Error.missing(path: url.path, location: t.location(of: "path"))
            }
            let found = isDirectory.boolValue ? tomlFiles(in: url) : [url]
            for file in found where !out.contains(where: { $0.standardizedFileURL == file.standardizedFileURL }) { out.append(file) }
        }
        return out
    }

    /// Reads every user table strictly; the first bad file is a `PriceTableError` at its file and line.
    public static func load(config: ConfigFile, paths: Paths = Paths()) throws -> [PriceTable] {
        try files(config: config, paths: paths).map { try read($0) }
    }

    /// Reads one user table strictly, named in messages by its path and carrying the layer "user:FILE".
    public static func read(_ url: URL) throws -> PriceTable {
        let text: String
        do {
            text = try TextInput.read(url.path)
        } catch {
            throw Error.unreadable(path: url.path, reason: "not readable UTF-8 text")
        }
        var table = try PriceTable.parse(text, file: url.path)
        table.userLayer = layerName(url)
        return table
    }

    /// "user:FILE" for a table file (its name, without the folder).
    public static func layerName(_ url: URL) -> String { "user:" + url.lastPathComponent }

    static func tomlFiles(in folder: URL) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }.sorted()
            .map { folder.appendingPathComponent($0) }
    }
}

extension PriceBook {
    /// The bundled tables, the user's tables over them, and the config's `[[terms]]` and `[[route]]`s:
    /// every price the commands use. A bad user table or config entry is an error (exit 2) naming its
    /// file and line. Cost: the cached bundled book plus one parse per user table.
    public static func load(config: ConfigFile, paths: Paths = Paths()) throws -> PriceBook {
        let book = try bundled().layering(UserPriceTables.load(config: config, paths: paths))
        return book.with(terms: try ContractTerms.parse(config: config),
                         routes: try ChannelRoute.parse(config: config, channels: book.channelNames))
    }

    /// This book with `userTables` layered over it, in order. For each model a user table lists:
    /// - a model the book already knows (by id or alias) keeps its periods before the user's first
    ///   `from`; from that day on the user's periods are its history (so one period from a new date
    ///   adds a price change, and a period from before the first bundled one replaces every price).
    ///   Aliases are added; encoding, limits, efforts and notes the user gives replace the bundled ones.
    /// - a model it does not know is added, in a table of its own layer.
    /// Channel tables merge the same way into the channel of the same name (or add a channel).
    /// Every period a user table supplies carries the layer "user:FILE", which `prices show` and the
    /// stored price layers name. Cost: one index build per user table.
    package func layering(_ userTables: [PriceTable]) -> PriceBook {
        guard !userTables.isEmpty else { return self }
        var all = tables
        for var user in userTables {
            let layer = user.userLayer ?? "user:\((user.file as NSString).lastPathComponent)"
            user.userLayer = layer
            for m in user.models.indices {
                for p in user.models[m].periods.indices { user.models[m].periods[p].layer = layer }
            }
            let index = PriceBook(tables: all)
            var added: [PricedModel] = []
            if user.isOfficial {
                for model in user.models {
                    if let ref = index.lookup(model.id.lowercased()) ?? model.aliases.lazy.compactMap({ index.lookup($0.lowercased()) }).first {
                        all[ref.table].models[ref.model].merge(model)
                    } else {
                        added.append(model)
                    }
                }
            } else if let t = index.channelTables[user.channel] {
                for var model in user.models {
                    // A channel entry may name the model by alias ("o3"); the engine looks channels up by canonical id.
                    if let ref = index.lookup(model.id.lowercased()) { model.id = all[ref.table].models[ref.model].id }
                    if let m = all[t].models.firstIndex(where: { $0.id.lowercased() == model.id.lowercased() }) {
                        all[t].models[m].merge(model)
                    } else {
                        all[t].models.append(model)
                    }
                }
            } else {
                added = user.models.map { model in
                    var model = model
                    if let ref = index.lookup(model.id.lowercased()) { model.id = all[ref.table].models[ref.model].id }
                    return model
                }
            }
            if !added.isEmpty {
                user.models = added
                all.append(user)
            }
        }
        return PriceBook(tables: all, terms: terms, routes: routes)
    }
}

extension PricedModel {
    /// Layers a user table's entry for the same model over this one (see `PriceBook.layering`).
    mutating func merge(_ user: PricedModel) {
        if let start = user.periods.first?.from {
            periods = periods.filter { $0.from < start } + user.periods
        }
        for alias in user.aliases where !aliases.contains(where: { $0.lowercased() == alias.lowercased() }) && alias.lowercased() != id.lowercased() {
            aliases.append(alias)
        }
        if let e = user.encoding { encoding = e }
        if let w = user.contextWindow { contextWindow = w }
        if let o = user.maxOutput { maxOutput = o }
        if !user.efforts.isEmpty { efforts = user.efforts }
        if let n = user.notes { notes = n }
        if let s = user.source { source = s }
        if let c = user.checked { checked = c }
        if user.datedSnapshots { datedSnapshots = true }
    }
}
