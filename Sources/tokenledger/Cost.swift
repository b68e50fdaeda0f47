import ArgumentParser
import TokenLedger

// STUB: replaced by the issue that builds `tokenledger cost`.
extension TokenLedgerCommand {
    struct Cost: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "(not built yet)")

        func run() async throws {
            Console.error("'tokenledger cost' is not built yet.")
            throw ExitCode(1)
        }
    }
}
