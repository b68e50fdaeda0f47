import ArgumentParser
import TokenLedger

// STUB: replaced by the issue that builds `tokenledger prices`.
extension TokenLedgerCommand {
    struct Prices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not built yet)")

        func run() async throws {
            Console.error("'tokenledger prices' is not built yet.")
            throw ExitCode(1)
        }
    }
}
