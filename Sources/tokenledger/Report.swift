import ArgumentParser
import TokenLedger

// STUB: replaced by the issue that builds `tokenledger report`.
extension TokenLedgerCommand {
    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not built yet)")

        func run() async throws {
            Console.error("'tokenledger report' is not built yet.")
            throw ExitCode(1)
        }
    }
}
