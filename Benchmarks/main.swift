// tokenledger-bench: prints throughput figures for the hot paths. Run: swift run -c release tokenledger-bench --help
import TokenLedger

print("usage: tokenledger-bench <suite>  (suites are added by each room)")
