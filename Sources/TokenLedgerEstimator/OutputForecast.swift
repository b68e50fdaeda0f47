import TokenLedgerCore
import TokenLedgerLedger

/// How many output and reasoning tokens a request is expected to produce, and where that belief
/// comes from. Visible output and hidden reasoning are kept apart; billed output is their sum.
public struct OutputForecast: Sendable, Hashable {
    /// Where the figures come from.
    public enum Basis: Sendable, Hashable {
        /// Given by the user (`--output-tokens`, `--reasoning-tokens`).
        case given
        /// This user's own history in the ledger: that many past requests of the same model and effort.
        case history(requests: Int)
        /// TokenLedger's documented defaults for the effort tier (`EffortDefaults`).
        case defaults(EffortTier)

        /// "your history (412 requests)", "given", "built-in default for high effort".
        public var label: String {
            switch self {
            case .given: return "given"
            case .history(let n): return "your history (\(n) request\(n == 1 ? "" : "s"))"
            case .defaults(let tier): return "built-in default for \(tier.isKnown ? tier.rawValue : "unknown") effort"
            }
        }
    }

    /// Visible output tokens (the answer) at the median.
    public var visibleMedian: Int
    /// Visible output tokens at the 90th percentile.
    public var visibleP90: Int
    /// Hidden reasoning tokens at the median.
    public var reasoningMedian: Int
    /// Reasoning tokens at the 90th percentile.
    public var reasoningP90: Int
    /// Where the visible figures came from (history, effort defaults, or given).
    public var visibleBasis: Basis
    /// Where the reasoning figures came from.
    public var reasoningBasis: Basis

    /// Billed output (visible + reasoning) at the median.
    public var expectedOutput: Int { visibleMedian + reasoningMedian }
    /// Billed output at the 90th percentile (the sum of the two 90th percentiles: conservative).
    public var p90Output: Int { visibleP90 + reasoningP90 }
}

/// Built-in output and reasoning figures per effort tier, used only when neither the user nor the
/// ledger's history says. They are round planning numbers, not measurements: reasoning budgets grow
/// roughly 2.5× per tier on OpenAI's o-series and gpt-5 models; a typical chat answer is a few
/// hundred tokens. Each estimate that uses them says so.
package enum EffortDefaults {
    /// Visible answer tokens: median and 90th percentile.
    package static let visible = (median: 500, p90: 2_000)

    /// Hidden reasoning tokens by tier: median and 90th percentile.
    package static func reasoning(for tier: EffortTier) -> (median: Int, p90: Int) {
        switch tier {
        case .none: return (0, 0)
        case .minimal: return (128, 1_024)
        case .low: return (1_024, 4_096)
        case .medium: return (2_560, 10_240)
        case .high: return (6_144, 24_576)
        case .xhigh: return (12_288, 49_152)
        default: return (2_560, 10_240)   // unknown tiers: the providers' default, medium
        }
    }
}

/// Percentiles of past output and reasoning tokens from the ledger, for one model and effort tier.
package struct OutputHistory: Sendable, Hashable {
    package var requests: Int
    package var visibleMedian: Int
    package var visibleP90: Int
    package var reasoningMedian: Int
    package var reasoningP90: Int

    /// Fewer past requests than this and the history is not trusted (the defaults are used instead).
    package static let minimumRequests = 5
    /// Only the most recent requests count, so a change in how the user prompts shows up quickly.
    package static let window = 5_000

    /// Reads the history of `modelID` at `effort` from per-request rows (aggregated export buckets
    /// carry no per-request shape and are left out), from the local ledger or a team ledger. Nil when
    /// there are fewer than `minimumRequests`. Cost: the recent hours that hold the last `window` requests
    /// (`LedgerStore.recentOutputs`), then a sort.
    package static func load(from ledger: any LedgerStore, modelID: String, effort: EffortTier) throws -> OutputHistory? {
        let rows = try ledger.recentOutputs(modelID: modelID, effort: effort, limit: window)
        guard rows.count >= minimumRequests else { return nil }
        var visible: [Int] = []
        var reasoning: [Int] = []
        visible.reserveCapacity(rows.count)
        reasoning.reserveCapacity(rows.count)
        for (output, thought) in rows {
            visible.append(max(output - thought, 0))
            reasoning.append(thought)
        }
        visible.sort()
        reasoning.sort()
        return OutputHistory(
            requests: rows.count,
            visibleMedian: percentile(visible, 50), visibleP90: percentile(visible, 90),
            reasoningMedian: percentile(reasoning, 50), reasoningP90: percentile(reasoning, 90))
    }

    /// Nearest-rank percentile of a sorted, non-empty array.
    static func percentile(_ sorted: [Int], _ p: Int) -> Int {
        let rank = (p * sorted.count + 99) / 100     // ceil(p/100 × n)
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}
