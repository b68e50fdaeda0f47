import Foundation
import Testing
import TokenLedgerCore
@testable import TokenLedgerImporters

/// The config file's `[[source]]` tables, which `tokenledger sync` imports.
@Suite("sync sources in the config file")
struct SyncSourceTests {
    @Test("sync sources: path with ~, default format auto, project, tags as a table or key=value list, channel")
    func sources() throws {
        let config = try ConfigFile.parse("""
            [[source]]
            path = "~/.claude/projects"
            project = "acme"
            tags = { team = "search", env = "prod" }

            [[source]]
            path = "/var/log/llm/batch.jsonl"
            format = "openai-batch"
            tags = ["team=infra"]
            channel = "302ai"
            """, file: "config.toml")
        let list = try SyncSource.sources(in: config, paths: Paths(environment: ["HOME": "/home/op"]))
        #expect(list.count == 2)
        #expect(list[0].path == "/home/op/.claude/projects")
        #expect(list[0].format == "auto")
        #expect(list[0].project == "acme")
        #expect(list[0].tags == ["team": "search", "env": "prod"])
        #expect(list[1].format == "openai-batch")
        #expect(list[1].tags == ["team": "infra"])
        #expect(list[1].channel == "302ai")
        #expect(list[1].location == SourceLocation(file: "config.toml", line: 6))
        let bad = try ConfigFile.parse("[[source]]\nformat = \"csv\"\n", file: "config.toml")
        #expect(throws: TOMLError(file: "config.toml", line: 1, reason: "'path' is required (a string)")) {
            try SyncSource.sources(in: bad)
        }
    }
}
