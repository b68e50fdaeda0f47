// Placeholder so the target builds before its room is written; delete when the first real file lands.
import TokenLedgerCore
