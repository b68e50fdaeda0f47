import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerLedger
@testable import TokenLedgerBudgets

@Suite("Budgets from the config file")
struct BudgetConfigTests {
    func budgets(_ text: String) throws -> [Budget] {
        try BudgetConfig.budgets(in: ConfigFile.parse(text, file: "config.toml"), localZone: utc)
    }

    func error(_ text: String) -> String? {
        do {
            _ = try budgets(text)
            return nil
        } catch let error as TOMLError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test("a full budget: period, exact limit, scope, thresholds, webhook, zone")
    func fullBudget() throws {
        let list = try budgets("""
            [budgets]
            timezone = "Europe/Berlin"

            [[budget]]
            name = "o3-team"
            period = "week"
            limit_usd = "250.10"
            model = "o3*"
            provider = "openai"
            project = "acme"
            tag = "team=search"
            effort = "High"
            thresholds = [90, 75]
            webhook = "https://hooks.slack.com/services/T0/B0/x"

            [[budget]]
            name = "daily"
            period = "day"
            limit_usd = 5
            command = "notify-send budget"
            timezone = "UTC"
            """)
        #expect(list.count == 2)
        let first = list[0]
        #expect(first.name == "o3-team")
        #expect(first.period == .week)
        #expect(first.limit == Money(picodollars: 250_100_000_000_000))
        #expect(first.scope == BudgetScope(model: "o3*", provider: "openai", project: "acme", tag: ("team", "search"), effort: "high"))
        #expect(first.thresholds == [75, 90, 100])
        #expect(first.action == .webhook(URL(string: "https://hooks.slack.com/services/T0/B0/x")!))
        #expect(first.timeZone.identifier == "Europe/Berlin")
        #expect(first.location == SourceLocation(file: "config.toml", line: 4))
        #expect(list[1].limit == Money(picodollars: 5_000_000_000_000))
        #expect(list[1].action == .command("notify-send budget"))
        #expect(list[1].thresholds == [50, 80, 100])
        #expect(list[1].timeZone.secondsFromGMT(for: Date()) == 0)
    }

    @Test("defaults: month, print, [50, 80, 100], the local zone")
    func defaults() throws {
        let list = try budgets("[[budget]]\nname = \"all\"\nlimit_usd = \"100\"\n")
        #expect(list[0].period == .month)
        #expect(list[0].action == .print)
        #expect(list[0].thresholds == [50, 80, 100])
        #expect(list[0].scope.isEverything)
        #expect(list[0].timeZone == utc)
    }

    @Test("mistakes are one sentence at file:line")
    func errors() {
        #expect(error("[[budget]]\nname = \"a\"\nperiod = \"year\"\nlimit_usd = \"1\"\n")
                == "config.toml:3: budget 'a': period must be \"day\", \"week\" or \"month\", not \"year\"")
        #expect(error("[[budget]]\nname = \"a\"\n")?.hasPrefix("config.toml:1: budget 'a' needs a limit") == true)
        #expect(error("[[budget]]\nname = \"a\"\nlimit_usd = \"0.0000000000001\"\n")
                == "config.toml:3: budget 'a': limit_usd must be a positive amount in dollars such as \"100.00\"")
        #expect(error("[[budget]]\nname = \"a\"\nlimit_usd = \"-5\"\n")?.hasPrefix("config.toml:3:") == true)
        #expect(error("[[budget]]\nname = \"a\"\nlimit_usd = 1\ncommand = \"x\"\nwebhook = \"https://e.x/\"\n")
                == "config.toml:5: budget 'a' has both 'command' and 'webhook'; keep one")
        #expect(error("[[budget]]\nname = \"a\"\nlimit_usd = 1\nwebhook = \"ftp://e.x/\"\n")?.hasPrefix("config.toml:4:") == true)
        #expect(error("[[budget]]\nname = \"a\"\nlimit_usd = 1\ntimezone = \"Mars/Base\"\n")?.hasPrefix("config.toml:4: unknown time zone") == true)
        #expect(error("[[budget]]\nname = \"a\"\nlimit_usd = 1\nlimit = 2\n")?.hasPrefix("config.toml:4: unknown key 'limit'") == true)
        #expect(error("[[budget]]\nname = \"a\"\nlimit_usd = 1\nthresholds = [50, 0]\n")?.hasPrefix("config.toml:4:") == true)
        #expect(error("[[budget]]\nname = \"a\"\nlimit_usd = 1\ntag = \"team\"\n")?.hasPrefix("config.toml:4: budget 'a': tag must be written key=value") == true)
        #expect(error("[[budget]]\nname = \"a\"\nlimit_usd = 1\n[[budget]]\nname = \"a\"\nlimit_usd = 2\n")
                == "config.toml:5: budget name 'a' is already used at line 2; give each budget its own name")
        #expect(error("[budgets]\ntimezone = \"UTC\"\nzone = 1\n")?.hasPrefix("config.toml:3: unknown key 'zone' in [budgets]") == true)
    }
}
