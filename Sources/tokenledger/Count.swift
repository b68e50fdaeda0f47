import ArgumentParser
import TokenLedger

// STUB: replaced by the issue that builds `tokenledger count`.
extension TokenLedgerCommand {
    struct Count: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not built yet)")

        func run() async throws {
            Console.error("'tokenledger count' is not built yet.")
            throw ExitCode(1)
        }
    }
}
