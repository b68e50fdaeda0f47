import ArgumentParser
import TokenLedger

// STUB: replaced by the issue that builds `tokenledger estimate`.
extension TokenLedgerCommand {
    struct Estimate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not built yet)")

        func run() async throws {
            Console.error("'tokenledger estimate' is not built yet.")
            throw ExitCode(1)
        }
    }
}
