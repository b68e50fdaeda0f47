// `import TokenLedger` gives a Swift app every room of the toolkit, the team ledger on PostgreSQL included.
@_exported import TokenLedgerCore
@_exported import TokenLedgerTokenizer
@_exported import TokenLedgerPricing
@_exported import TokenLedgerLedger
@_exported import TokenLedgerImporters
@_exported import TokenLedgerReports
@_exported import TokenLedgerBudgets
@_exported import TokenLedgerEstimator
@_exported import TokenLedgerPostgres
