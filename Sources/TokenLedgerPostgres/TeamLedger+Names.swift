import Foundation

/// How tokenledger's writers turn a record's names into `tokenledger_name` ids (migration v15).
///
/// Rows are written with the ids this process knows (`NameIDs`), a placeholder for the others
/// (`PostgresBinaryCopy.unresolvedNames`); before they are sent, the placeholders are filled in
/// (`resolveNames`): the names the ledger has are read on the writer's own connection, and the few
/// it has never seen are added on a connection of their own, each in its own short transaction. So a
/// name is committed before any row uses its id, whatever becomes of the batch, and a batch holding
/// the write lock never waits on another writer's uncommitted name (nor the other way round).
extension TeamLedger {
    /// The ids of `names` (UTF-8), adding the ones the ledger has never seen. Cost: nothing for names
    /// this process knows; else one query on `connection` and, for names new to the ledger, one
    /// statement on the names connection (opened on first use).
    func nameIDs(for names: Set<[UInt8]>, on connection: PostgresConnection) throws -> [[UInt8]: Int32] {
        var found = self.names.known(names)
        let missing = Array(names.filter { found[$0] == nil })
        guard !missing.isEmpty else { return found }
        var learned: [[UInt8]: Int32] = [:]
        func read(_ rows: PostgresRows, of asked: [[UInt8]]) throws {
            for row in 0..<rows.count {
                let id = Int32(truncatingIfNeeded: try rows.requiredInt64(row, 1))
                learned[asked[Int(try rows.requiredInt64(row, 0)) - 1]] = id
            }
        }
        func texts(_ names: [[UInt8]]) -> PostgresTextArray { PostgresTextArray(values: names.map { String(decoding: $0, as: UTF8.self) }) }
        try read(connection.execute("""
            SELECT u.ord, n.id FROM unnest($1::text[]) WITH ORDINALITY AS u(name, ord) JOIN tokenledger_name n ON n.name = u.name
            """, [texts(missing)]), of: missing)
        let new = missing.filter { learned[$0] == nil }
        if !new.isEmpty {
            try namesConnection.withValue { spare in
                if spare == nil {
                    // A name a session added through the `usage_record` view (`psql`) stays locked until
                    // that session commits; if it then waits for the write lock this batch holds, the
                    // server cannot see the cycle (this wait is the client's), so it ends here instead.
                    let opened = try Self.open(address)
                    try opened.execute("SET lock_timeout = '\(namesLockTimeout)'")
                    spare = opened
                }
                do {
                    try read(spare!.execute("SELECT ord, tokenledger_name_id(name) FROM unnest($1::text[]) WITH ORDINALITY AS u(name, ord)",
                                            [texts(new)]), of: new)
                } catch PostgresError.statement(let state, _) where state == "55P03" {
                    throw TeamLedgerError.nameHeld(address: address.description)  // lock_not_available: the wait ended
                }
            }
        }
        self.names.add(learned)
        found.merge(learned) { old, _ in old }
        guard found.count == names.count else { throw PostgresError.unexpectedValue("a name without an id in tokenledger_name") }
        return found
    }

    /// Fills in the name ids `rows` were written without (`PostgresBinaryCopy.unresolvedNames`). Cost:
    /// nothing when it has none (`nameIDs(for:on:)`).
    func resolveNames(in rows: inout RecordRows, on connection: PostgresConnection) throws {
        guard !rows.copy.unresolvedNames.isEmpty else { return }
        let pending = rows.names.pending
        let ids = try nameIDs(for: Set(pending), on: connection)
        rows.copy.resolve(try pending.map { name throws in
            guard let id = ids[name] else { throw PostgresError.unexpectedValue("a name without an id in tokenledger_name") }
            return id
        })
    }
}
