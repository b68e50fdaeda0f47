import ArgumentParser
import TokenLedger

// STUB: replaced by the issue that builds `tokenledger sync`.
extension TokenLedgerCommand {
    struct Sync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not built yet)")

        func run() async throws {
            Console.error("'tokenledger sync' is not built yet.")
            throw ExitCode(1)
        }
    }
}
