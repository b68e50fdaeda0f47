import TokenLedgerCore
import TokenLedgerLedger

extension SpendReport {
    /// The report as JSON: `{"period", "group_by", "rows", "totals", "unpriced", "notes"}`. Each row
    /// has its keys named as in `--by`, the token counts, `cost_usd` as a decimal string (null when
    /// unpriced) and `share` (exact, 4 decimals). Cost: O(rows).
    public func jsonValue() -> JSONValue {
        let period: [(key: String, value: JSONValue)] = [
            ("label", .string(self.period.label)),
            ("since", self.period.since.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ("until", self.period.until.map { .string(Timestamp.iso8601($0)) } ?? .null),
            ("time_zone", .string(TimeZoneText.name(timeZone))),
        ]
        let jsonRows: [JSONValue] = rows.map { row in
            var members: [(key: String, value: JSONValue)] = []
            for (i, dimension) in groupBy.enumerated() {
                members.append((dimension.name, .optional(row.keys[i])))
                if dimension == .model { members.append(("model_resolved", .bool(row.modelResolved))) }
            }
            members += usageMembers(row.usage, share: share(of: row.usage).map { .number($0.fixedString) } ?? .null)
            return .object(JSONObject(members))
        }
        var totalMembers = usageMembers(totals, share: nil)
        totalMembers.append(("lower_bound", .bool(isLowerBound)))
        let unpricedMembers: [(key: String, value: JSONValue)] = [
            ("records", .int(unpriced.records)),
            ("requests", .int(unpriced.requests)),
            ("tokens", .int(unpriced.tokens)),
            ("model_count", .int(unpriced.models.count)),
            ("models", .array(unpriced.models.map { .string($0) })),
            ("causes", .array(unpriced.causes.map(\.json))),
        ]
        return .object(JSONObject([
            ("period", .object(JSONObject(period))),
            ("group_by", .array(groupBy.map { .string($0.name) })),
            ("rows", .array(jsonRows)),
            ("totals", .object(JSONObject(totalMembers))),
            ("unpriced", .object(JSONObject(unpricedMembers))),
            ("notes", .array(ReportText.notes(self).map { .string($0) })),
        ]))
    }

    /// The numeric fields of a row or the totals; `share` (rows only) follows `cost_usd`.
    private func usageMembers(_ u: UsageTotals, share: JSONValue?) -> [(key: String, value: JSONValue)] {
        var members: [(key: String, value: JSONValue)] = zip(ReportFields.numberKeys, ReportFields.numbers(u)).map { ($0.0, JSONValue.int($0.1)) }
        members.append(("cost_usd", u.isUnpriced ? .null : .money(u.cost)))
        if let share { members.append(("share", share)) }
        members.append(("unpriced_requests", .int(u.unpricedRequests)))
        if reconciled {
            members += zip(ReportFields.reconcileKeys, ReportFields.reconcileValues(u)).map { ($0.0, $0.1.map(JSONValue.money) ?? .null) }
        }
        return members
    }
}
