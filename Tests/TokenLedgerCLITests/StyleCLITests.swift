import Foundation
import Testing
import TokenLedgerCore

/// One error prefix, one heading case, one name for cache reads.
@Suite("tokenledger error prefix and heading style")
struct StyleCLITests {
    @Test("a usage error from argument checking says tokenledger: error: like every other error")
    func errorPrefix() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let clash = try cli.run("report", "--json", "--format", "csv")
        #expect(clash.status == 2)
        #expect(clash.stderr.hasPrefix("tokenledger: error: --json and --format csv disagree; give one of them.\n"), "\(clash.stderr)")
        #expect(!clash.stderr.contains("Error:"))
        let missing = try cli.run("cost", "--input-tokens", "1")
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("tokenledger: error: Missing expected argument '--model <model>'"), "\(missing.stderr)")
    }

    @Test("tables head their columns in sentence case, and cache reads are 'Cache read' everywhere")
    func headings() throws {
        let cli = try CLIRunner()
        defer { cli.cleanUp() }
        let list = try cli.run("prices", "list", "--provider", "openai")
        let header = list.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.hasPrefix("Model ") && header.contains("Cache read") && header.contains("Since"), "\(header)")
        let cost = try cli.run("cost", "--model", "o3-mini", "--input-tokens", "1000", "--cached-tokens", "1000", "--output-tokens", "10")
        #expect(cost.stdout.contains("Component ") && cost.stdout.contains("Set by"), "\(cost.stdout)")
        #expect(cost.stdout.contains("cache_read "))
        let estimate = try cli.run("estimate", "--model", "gpt-4o", "--no-history", stdin: "hello")
        #expect(estimate.stdout.contains("Tokens") && estimate.stdout.contains("At cap"), "\(estimate.stdout)")
        for text in [list.stdout, cost.stdout, estimate.stdout] {
            #expect(!text.contains("COMPONENT") && !text.contains("CACHED") && !text.contains(" at cap"))
        }
    }
}
