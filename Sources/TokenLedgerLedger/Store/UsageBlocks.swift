import Foundation
import TokenLedgerCore

/// A 5-hour usage window, as subscription plans bill them and as ccusage draws them.
///
/// The rule (ccusage's `identifySessionBlocks`): records are taken in time order; a block starts at its
/// first record's time floored to the UTC hour and lasts 5 hours; a record more than 5 hours after the
/// block's start, or more than 5 hours after the previous record, starts a new block. A silence of more
/// than 5 hours between records is shown as a gap (from the last record + 5 h to the next record).
/// A block is active while now is before its end and less than 5 hours after its last record.
public struct UsageBlock: Sendable, Equatable {
    public var startMillis: Int64
    /// start + 5 h for a block; the next record's time for a gap.
    public var endMillis: Int64
    /// First and last record in the block (nil for a gap).
    public var firstMillis: Int64?
    public var lastMillis: Int64?
    public var isGap: Bool
    public var isActive: Bool
    /// Models used, sorted.
    public var models: [String]
    public var usage: UsageTotals

    /// The burn rate over the block's records so far (first to last record), or nil when they span no
    /// time: tokens per hour and exact cost per hour (rounded half-even at the picodollar).
    public var burnRate: (tokensPerHour: Int, costPerHour: Money)? {
        guard let first = firstMillis, let last = lastMillis, last > first else { return nil }
        let span = Int128(last - first)
        let hour: Int128 = 3_600_000
        let tokens = Money.divideRoundingHalfEven(Int128(usage.totalTokens) * hour, by: span)
        return (Int(tokens), Money(picodollars: Money.divideRoundingHalfEven(usage.cost.picodollars * hour, by: span)))
    }

    /// The block's tokens and cost at its end if the burn rate holds from `now`; nil when inactive or no rate.
    public func projection(now: Int64) -> (tokens: Int, cost: Money)? {
        guard isActive, let rate = burnRate else { return nil }
        let left = Int128(max(0, endMillis - now))
        let hour: Int128 = 3_600_000
        let tokens = usage.totalTokens + Int(Money.divideRoundingHalfEven(Int128(rate.tokensPerHour) * left, by: hour))
        return (tokens, usage.cost + Money(picodollars: Money.divideRoundingHalfEven(rate.costPerHour.picodollars * left, by: hour)))
    }
}

/// Builds `UsageBlock`s from records fed in time order. Cost: O(1) per record, O(models) per block.
package struct UsageBlockBuilder: Sendable {
    /// ccusage's block length: 5 hours.
    public static let blockMillis: Int64 = 5 * 3_600_000
    public private(set) var blocks: [UsageBlock] = []
    private var current: UsageBlock?
    private var models: Set<String> = []

    public init() {}

    /// Adds one record at `millis` (records must come in ascending time).
    public mutating func add(millis: Int64, model: String, usage: UsageTotals) {
        if var block = current, let last = block.lastMillis {
            if millis - block.startMillis > Self.blockMillis || millis - last > Self.blockMillis {
                close()
                if millis - last > Self.blockMillis {
                    blocks.append(UsageBlock(startMillis: last + Self.blockMillis, endMillis: millis, firstMillis: nil, lastMillis: nil,
                                             isGap: true, isActive: false, models: [], usage: UsageTotals()))
                }
            } else {
                block.lastMillis = millis
                block.usage.add(usage)
                models.insert(model)
                current = block
                return
            }
        }
        let start = millis - ((millis % 3_600_000) + 3_600_000) % 3_600_000
        current = UsageBlock(startMillis: start, endMillis: start + Self.blockMillis, firstMillis: millis, lastMillis: millis,
                             isGap: false, isActive: false, models: [], usage: usage)
        models = [model]
    }

    /// The blocks so far and the open one, with `isActive` decided at `now`.
    public func finish(now: Int64) -> [UsageBlock] {
        var copy = self
        copy.close()
        return copy.blocks.map { block in
            var block = block
            if !block.isGap, let last = block.lastMillis {
                block.isActive = now < block.endMillis && now - last < Self.blockMillis
            }
            return block
        }
    }

    private mutating func close() {
        guard var block = current else { return }
        block.models = models.sorted()
        blocks.append(block)
        current = nil
    }
}
