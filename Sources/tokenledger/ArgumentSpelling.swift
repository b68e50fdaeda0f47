import ArgumentParser

/// Catches a mistyped option or subcommand before the parser sees it, so `report --sinse 2026-11-01`
/// says "unknown option '--sinse'; did you mean '--since'?" instead of an error about the value that
/// followed it (which the parser would take for a positional argument).
///
/// The known names come from each command's own help (hidden options included), so a new option is
/// known as soon as it exists. Cost: one help rendering per command on the path; only the CLI's
/// startup pays it.
enum ArgumentSpelling {
    /// The first mistyped option or subcommand in `arguments` (without the program name), as one
    /// sentence; nil when every option is known to the command it is given to.
    static func problem(in arguments: [String], root: any ParsableCommand.Type = TokenLedgerCommand.self) -> String? {
        var command = root
        var options = knownOptions(of: command)
        var expectsValue = false
        var positionals = 0
        for argument in arguments {
            if expectsValue { expectsValue = false; continue }
            if argument == "--" { return nil }
            if argument.hasPrefix("--") {
                let name = String(argument.split(separator: "=", maxSplits: 1).first ?? "")
                guard let takesValue = options[name] else {
                    var message = "unknown option '\(name)'"
                    if let suggestion = closest(to: name, in: Array(options.keys)) {
                        message += "; did you mean '\(suggestion)'?"
                    } else {
                        message += "; see 'tokenledger \(path(of: command))--help'."
                    }
                    return message
                }
                expectsValue = takesValue && !argument.contains("=")
                continue
            }
            if argument.hasPrefix("-") && argument.count > 1 && Double(argument) == nil {
                // (Double(…) lets a negative number through as a value.)
                // Short options (-o FILE, -v): the parser checks them; a short option with a value is
                // followed by its value, which must not be read as a subcommand.
                expectsValue = shortOptionsWithValue(of: command).contains(argument)
                continue
            }
            let subcommands = command.configuration.subcommands
            if positionals == 0 && !subcommands.isEmpty && argument != "help" {
                let names = subcommands.map { $0._commandName }
                if let index = names.firstIndex(of: argument) {
                    command = subcommands[index]
                    options = knownOptions(of: command)
                    continue
                }
                let suggestion = closest(to: argument, in: names)
                var hasDefault = false
                if case .some = command.configuration.defaultSubcommand { hasDefault = true }
                if !hasDefault || suggestion != nil {
                    var message = "unknown command '\(path(of: command))\(argument)'"
                    if let suggestion {
                        message += "; did you mean '\(suggestion)'?"
                    } else {
                        message += "; see 'tokenledger \(path(of: command))--help' for the commands."
                    }
                    return message
                }
            }
            positionals += 1
        }
        return nil
    }

    /// `"report "` for a subcommand, `""` for the root: the words between `tokenledger` and the rest.
    private static func path(of command: any ParsableCommand.Type) -> String {
        ObjectIdentifier(command) == ObjectIdentifier(TokenLedgerCommand.self) ? "" : command._commandName + " "
    }

    /// Every long option of `command` (hidden ones included) and whether it takes a value.
    static func knownOptions(of command: any ParsableCommand.Type) -> [String: Bool] {
        var known: [String: Bool] = ["--help": false, "--version": false, "--generate-completion-script": true,
                                     "--experimental-dump-help": false]
        let help = Array(TokenLedgerCommand.helpMessage(for: command, includeHidden: true, columns: 10_000).utf8)
        var i = 0
        while i + 2 < help.count {
            guard help[i] == UInt8(ascii: "-"), help[i + 1] == UInt8(ascii: "-"), i == 0 || !isNameByte(help[i - 1]) else { i += 1; continue }
            var j = i + 2
            var name: [UInt8] = []
            var negatable = false
            while j < help.count {
                if help[j...].starts(with: Array("[no-]".utf8)) { negatable = true; j += 5; continue }
                guard isNameByte(help[j]) else { break }
                name.append(help[j])
                j += 1
            }
            if !name.isEmpty {
                let text = "--" + String(decoding: name, as: UTF8.self)
                let takesValue = j + 1 < help.count && help[j] == UInt8(ascii: " ") && help[j + 1] == UInt8(ascii: "<")
                known[text] = (known[text] ?? false) || takesValue
                if negatable { known["--no-" + String(decoding: name, as: UTF8.self)] = false }
            }
            i = j
        }
        return known
    }

    /// Short options of `command` shown with a value (`-o <path>`).
    private static func shortOptionsWithValue(of command: any ParsableCommand.Type) -> Set<String> {
        let help = TokenLedgerCommand.helpMessage(for: command, includeHidden: true, columns: 10_000)
        var found: Set<String> = []
        for line in help.split(separator: "\n") {
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("-"), !trimmed.hasPrefix("--"), trimmed.count > 2 else { continue }
            let short = String(trimmed.prefix(2))
            if let valueStart = trimmed.firstIndex(of: "<"), !trimmed[..<valueStart].contains("  ") { found.insert(short) }
        }
        return found
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || (b >= 48 && b <= 57) || b == UInt8(ascii: "-")
    }

    /// The candidate nearest to `word` by edit distance, when it is close enough to be a typo
    /// (at most 2 edits, and fewer than half the word's letters).
    static func closest(to word: String, in candidates: [String]) -> String? {
        var best: (name: String, distance: Int)?
        for candidate in candidates.sorted() {
            let d = editDistance(word, candidate)
            if d <= 2, d * 2 < max(word.count, 2), d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// Optimal string alignment distance (adjacent transpositions count as one edit: `reprot` → `report`).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[x.count][y.count]
    }
}
