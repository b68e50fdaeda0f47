import ArgumentParser
import TokenLedger

// STUB: replaced by the issue that builds `tokenledger budget`.
extension TokenLedgerCommand {
    struct Budget: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not built yet)")

        func run() async throws {
            Console.error("'tokenledger budget' is not built yet.")
            throw ExitCode(1)
        }
    }
}
