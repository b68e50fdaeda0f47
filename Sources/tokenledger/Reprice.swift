import ArgumentParser
import TokenLedger

// STUB: replaced by the issue that builds `tokenledger reprice`.
extension TokenLedgerCommand {
    struct Reprice: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not built yet)")

        func run() async throws {
            Console.error("'tokenledger reprice' is not built yet.")
            throw ExitCode(1)
        }
    }
}
