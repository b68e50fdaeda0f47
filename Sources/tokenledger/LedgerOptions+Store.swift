import Foundation
import TokenLedger
import TokenLedgerPostgres

extension LedgerOptions {
    /// The ledger a read-only view asks (`session`, `blocks`): the team ledger when `--db` /
    /// `$TOKENLEDGER_DB` is a postgres:// URL, else the local file (migrated first when older).
    func openStoreForReading(command: String, machine: String? = nil) throws -> any LedgerStore {
        if let address = try teamAddress() {
            return try TeamLedger.connect(address, machine: machine ?? TeamLedger.defaultMachineName)
        }
        return try TokenLedgerCommand.Report.openLedger(try ledgerURL(command: command))
    }
}
