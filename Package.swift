// swift-tools-version:6.0
import PackageDescription

// One library target per room (tokenizer, pricing, ledger, importers, reports, budgets, estimator),
// a shared vocabulary (TokenLedgerCore), an umbrella `TokenLedger` product for Swift users, and a thin
// `tokenledger` executable that only parses arguments and calls the library.
let package = Package(
    name: "TokenLedger",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "TokenLedger", targets: ["TokenLedger"]),
        .executable(name: "tokenledger", targets: ["tokenledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Shared vocabulary: exact money, the canonical usage record, JSON with exact numbers, paths, errors.
        .target(name: "TokenLedgerCore"),
        // o200k_base / cl100k_base BPE, byte-for-byte equal to tiktoken; chat and image token counting.
        .target(
            name: "TokenLedgerTokenizer",
            dependencies: ["TokenLedgerCore"],
            resources: [.copy("Resources/Vocab")]
        ),
        // Price tables (pricing/*.toml, embedded), channels, user terms, and the exact cost engine.
        .target(name: "TokenLedgerPricing", dependencies: ["TokenLedgerCore"]),
        // The one sqlite3_db_config call the ledger needs (variadic C, not callable from Swift).
        .target(name: "CSQLiteConfig"),
        // The ledger: the one storage interface (`LedgerStore`, with the report, budget and import vocabulary
        // it speaks) and its SQLite engine (`Ledger`, through GRDB). The PostgreSQL engine is TokenLedgerPostgres.
        .target(
            name: "TokenLedgerLedger",
            dependencies: ["TokenLedgerCore", "TokenLedgerPricing", "CSQLiteConfig", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // One adapter per log format, the incremental, exactly-once import pipeline, and `sync` of the config's [[source]]s.
        .target(
            name: "TokenLedgerImporters",
            dependencies: ["TokenLedgerCore", "TokenLedgerPricing", "TokenLedgerLedger", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Spend reports rendered as table/CSV/JSON/Markdown/HTML/Prometheus; the data comes from a `LedgerStore`.
        .target(
            name: "TokenLedgerReports",
            dependencies: ["TokenLedgerCore", "TokenLedgerPricing", "TokenLedgerLedger"]
        ),
        // Budgets from the config file, evaluated for cron with alert state in the ledger.
        .target(
            name: "TokenLedgerBudgets",
            dependencies: ["TokenLedgerCore", "TokenLedgerLedger", "TokenLedgerReports", "TokenLedgerPricing"]
        ),
        // The team ledger on PostgreSQL: the same records, dedup keys, checkpoints and alert state as the
        // SQLite ledger, many machines writing one set of books (imports through the pipeline's sink); `push` from a local ledger. Talks to
        // the server through libpq (CLibPQ), synchronously, on the calling thread.
        .target(
            name: "TokenLedgerPostgres",
            dependencies: [
                "TokenLedgerCore", "TokenLedgerPricing", "TokenLedgerLedger", "TokenLedgerImporters", "TokenLedgerReports", "TokenLedgerBudgets",
                "TokenLedgerEstimator", "CLibPQ", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // libpq, the PostgreSQL project's own C client (a system library, as libsqlite3): it reads the
        // connection URL, PG* variables, ~/.pgpass, pg_service.conf and every sslmode exactly as psql.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        // Cost before sending: tokenizer + prices + the user's own history.
        .target(
            name: "TokenLedgerEstimator",
            dependencies: ["TokenLedgerCore", "TokenLedgerTokenizer", "TokenLedgerPricing", "TokenLedgerLedger"]
        ),
        // Umbrella module: `import TokenLedger` gives every room, the team ledger included (so building it needs libpq).
        .target(
            name: "TokenLedger",
            dependencies: [
                "TokenLedgerCore", "TokenLedgerTokenizer", "TokenLedgerPricing", "TokenLedgerLedger",
                "TokenLedgerImporters", "TokenLedgerReports", "TokenLedgerBudgets", "TokenLedgerEstimator",
                "TokenLedgerPostgres",
            ]
        ),
        .executableTarget(
            name: "tokenledger",
            dependencies: ["TokenLedger", "TokenLedgerPostgres", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            // `tokenledger --version` names the git commit it was built from.
            plugins: ["BuildInfo"]
        ),
        .executableTarget(
            name: "tokenledger-bench",
            // GRDB for the fuzzer's scan of every ledger table for planted secrets; the team ledger for `team-report`.
            dependencies: ["TokenLedger", "TokenLedgerPostgres", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Benchmarks"
        ),
        .testTarget(name: "TokenLedgerCoreTests", dependencies: ["TokenLedgerCore"]),
        .testTarget(name: "TokenLedgerTokenizerTests", dependencies: ["TokenLedgerTokenizer"]),
        .testTarget(name: "TokenLedgerPricingTests", dependencies: ["TokenLedgerPricing"]),
        .testTarget(name: "TokenLedgerLedgerTests", dependencies: ["TokenLedgerLedger"]),
        .testTarget(name: "TokenLedgerImportersTests", dependencies: ["TokenLedgerImporters"]),
        .testTarget(name: "TokenLedgerReportsTests", dependencies: ["TokenLedgerReports", "TokenLedgerImporters"]),
        .testTarget(name: "TokenLedgerBudgetsTests", dependencies: ["TokenLedgerBudgets"]),
        .testTarget(name: "TokenLedgerEstimatorTests", dependencies: ["TokenLedgerEstimator"]),
        // Against the PostgreSQL server in $TOKENLEDGER_TEST_POSTGRES (.ci/run starts one); skipped with a
        // printed reason when it is unset outside CI, failed when it is unset in CI.
        .testTarget(name: "TokenLedgerPostgresTests", dependencies: ["TokenLedgerPostgres", "TokenLedgerImporters", "TokenLedgerPricing", "TokenLedgerBudgets", "TokenLedgerEstimator", "TokenLedgerReports", "TokenLedgerLedger", "TokenLedgerCore", "tokenledger", .product(name: "GRDB", package: "GRDB.swift")]),
        // End-to-end: runs the built `tokenledger` binary and checks stdout, stderr and exit codes.
        .testTarget(name: "TokenLedgerCLITests", dependencies: ["TokenLedgerCore", "TokenLedgerLedger", "tokenledger"]),
        .testTarget(name: "TokenLedgerTests", dependencies: ["TokenLedger"]),
        // Writes BuildInfo.swift (the git commit, or "unknown" outside git) before the CLI compiles.
        .plugin(name: "BuildInfo", capability: .buildTool()),
    ]
)
