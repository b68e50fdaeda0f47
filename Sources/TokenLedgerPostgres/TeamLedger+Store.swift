import TokenLedgerLedger

/// The PostgreSQL engine of `LedgerStore`: every method is the team ledger's own, its SQL in this
/// target (schema in `TeamLedgerSchema`, import and push in `TeamLedger+Import`/`+Push`/`+Records`/`+Row`,
/// reports in `+SpendReport` and `+Views`, budgets in `+Budgets`, reprice in `+Reprice`).
extension TeamLedger: LedgerStore {}
