import ArgumentParser
import Foundation
import TokenLedger

extension TokenLedgerCommand {
    /// `tokenledger config`: the config file's group (`init`).
    struct Config: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a starting config file.",
            discussion: """
                Example:
                  tokenledger config init
                  tokenledger config init --config ./tokenledger.toml
                """,
            subcommands: [ConfigInit.self]
        )
    }

    /// `tokenledger config init`: writes a commented config with every section.
    struct ConfigInit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Write a commented config file with every section, ready to uncomment.",
            discussion: """
                Writes to --config, else $TOKENLEDGER_CONFIG, else $XDG_CONFIG_HOME/tokenledger/config.toml \
                (~/.config/tokenledger/config.toml). Every section is commented out, so the file changes \
                nothing until you uncomment a part. An existing file is never overwritten unless --force.

                Example:
                  tokenledger config init && $EDITOR ~/.config/tokenledger/config.toml
                """)

        @OptionGroup var config: ConfigOptions
        @OptionGroup var quietOptions: QuietOptions

        @Flag(help: "Replace an existing config file.")
        var force = false

        func run() async throws {
            let url = try config.configURL()
            if FileManager.default.fileExists(atPath: url.path) && !force {
                throw ConfigCommandError.exists(path: url.path)
            }
            do {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(ConfigTemplate.text.utf8).write(to: url, options: .atomic)
            } catch {
                throw ConfigCommandError.cannotWrite(path: url.path, reason: error.localizedDescription)
            }
            if !quietOptions.quiet { Console.note("Wrote \(url.path); uncomment the sections you need.") }
        }
    }
}

enum ConfigCommandError: UserFacingError {
    case exists(path: String)
    case cannotWrite(path: String, reason: String)

    var message: String {
        switch self {
        case .exists(let path): return "\(path) already exists; edit it, or pass --force to replace it with the commented template."
        case .cannotWrite(let path, let reason): return "cannot write \(path) (\(reason)); check the folder is writable or pass --config PATH."
        }
    }

    var exitStatus: ExitStatus {
        switch self {
        case .exists: return .usage
        case .cannotWrite: return .failure
        }
    }
}

/// The commented config `config init` writes: every section the config file knows, commented out.
enum ConfigTemplate {
    static let text = """
        # TokenLedger config. Every section is commented out: uncomment what you need.
        # Checked by every command that reads it; a mistake is reported as FILE:LINE.

        # timezone = "Europe/Berlin"      # days, weeks and months of report, session, blocks, and import's and
        #                                 # sync's timestamps without an offset (--tz wins; default: $TZ, else the system's)

        # ── Log sources: what 'tokenledger sync' imports (cron: */15 * * * * tokenledger sync) ──
        # [[source]]
        # path = "~/.claude/projects"     # a log file or folder; ~ is expanded
        # format = "auto"                 # an importer name, or auto to detect each file
        # project = "acme"                # optional: set on every record (also on records imported earlier)
        # tags = { team = "search" }      # optional: added to every record
        # channel = "302ai"               # optional: the reseller the requests went through
        #
        # [[source]]
        # path = "~/.codex/sessions"

        # ── Budgets: 'tokenledger budget check' (cron) and 'budget status' ──
        # [budgets]
        # timezone = "Europe/Berlin"      # periods start at local midnight here (default: the local zone)
        #
        # [[budget]]
        # name = "monthly"
        # period = "month"                # day, week or month
        # limit_usd = "250.00"            # exact decimal
        # provider = "openai"             # optional scope: model, provider, project, tag, effort
        # model = "o3*"                   # glob on the resolved id and on the logged name
        # thresholds = [50, 80, 100]      # percent; each alerts once per period (100 always included)
        # command = "notify-send 'TokenLedger budget alert'"   # or webhook = "https://hooks.slack.com/…"; default: print

        # ── Your negotiated prices: the outermost price layer ──
        # [[terms]]
        # name = "acme-2026"              # shown as the layer terms:acme-2026
        # provider = "openai"             # optional: only this provider's models
        # models = ["gpt-4o*", "o3"]      # optional: ids or aliases; a trailing * matches a prefix
        # from = 2026-01-01               # optional first day (UTC); until = 2026-12-31 last day
        # discount_percent = 15           # optional: off every price not overridden here
        # input = 0.90                    # optional overrides, USD per 1M tokens

        # ── Resellers: price one provider's records through a channel ──
        # [[route]]
        # provider = "openai"
        # channel = "302ai"
        # from = 2026-01-01               # optional; until = 2026-06-30 optional

        # ── Your own price tables (same format as the bundled ones) ──
        # Every *.toml in ~/.config/tokenledger/prices/ is read; add more files or folders here:
        # [[prices]]
        # path = "prices/internal-models.toml"   # relative to this file

        """
}
