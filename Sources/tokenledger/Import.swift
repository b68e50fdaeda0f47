import ArgumentParser
import TokenLedger

// STUB: replaced by the issue that builds `tokenledger import`.
extension TokenLedgerCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not built yet)")

        func run() async throws {
            Console.error("'tokenledger import' is not built yet.")
            throw ExitCode(1)
        }
    }
}
