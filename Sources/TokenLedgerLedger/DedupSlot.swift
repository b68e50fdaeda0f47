import GRDB
import GRDBSQLite

/// Where a dedup key lives in the ledger: `usage_record.dedup_hash`, a 64-bit hash of the key, carries
/// the UNIQUE index that makes re-imports add nothing (migration v3). An 8-byte integer index stays
/// a quarter the size of an index on the key text (OpenAI and Anthropic ids are 30–60 random
/// characters), so a million random keys fit in the page cache and each insert compares integers.
///
/// Two different keys with the same hash (odds about n²/2⁶⁵: one in 10¹³ for ten million records)
/// are kept apart by linear probing: a key whose hash is taken by another key goes to the next free
/// value (hash + 1, + 2, …, wrapping). Lookups probe the same way and stop at the first free value.
/// That is exact as long as rows are not deleted, which the ledger never does.
package enum DedupSlot {
    /// The home slot of `key`: FNV-1a over its UTF-8 bytes, then the splitmix64 finaliser so that
    /// keys differing in their last characters spread over the whole range. Stable across
    /// versions and platforms: stored hashes depend on it. Cost: one pass over the key's contiguous
    /// UTF-8 (walking `utf8` through its iterator cost 30 instructions a byte, 1,450 a chat record).
    public static func hash(_ key: String) -> Int64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func fnv(_ bytes: UnsafeBufferPointer<UInt8>) {
            for byte in bytes {
                h ^= UInt64(byte)
                h &*= 0x0000_0100_0000_01B3
            }
        }
        if key.utf8.withContiguousStorageIfAvailable(fnv) == nil {
            var copy = key
            copy.withUTF8(fnv)
        }
        h ^= h >> 30
        h &*= 0xBF58_476D_1CE4_E5B9
        h ^= h >> 27
        h &*= 0x94D0_49BB_1331_11EB
        h ^= h >> 31
        return Int64(bitPattern: h)
    }

    /// The row id and key of the row stored at `slot` itself (no probing), or nil when it is free.
    /// Cost: one index lookup.
    static func occupant(of slot: Int64, in db: Database) throws -> (id: Int64, key: String)? {
        let statement = try db.cachedStatement(sql: "SELECT id, dedup_key FROM usage_record WHERE dedup_hash = ?").sqliteStatement
        sqlite3_reset(statement)
        sqlite3_bind_int64(statement, 1, slot)
        defer { sqlite3_reset(statement) }
        switch sqlite3_step(statement) {
        case SQLITE_DONE:
            return nil
        case SQLITE_ROW:
            return (sqlite3_column_int64(statement, 0), sqlite3_column_text(statement, 1).map { String(cString: $0) } ?? "")
        case let code:
            throw SQLiteBinder.error(code, db)
        }
    }

    /// The stored row for `key`, probing from its home slot: the slot it occupies with its rank, or
    /// the first free slot (rank nil) where it would go. Cost: one index lookup per probe (one,
    /// unless hashes collide).
    static func find(_ key: String, hash: Int64, in db: Database) throws -> (slot: Int64, rank: Int?) {
        let statement = try db.cachedStatement(sql: "SELECT dedup_key, supersede_rank FROM usage_record WHERE dedup_hash = ?").sqliteStatement
        var slot = hash
        while true {
            sqlite3_reset(statement)
            sqlite3_bind_int64(statement, 1, slot)
            let code = sqlite3_step(statement)
            switch code {
            case SQLITE_DONE:
                sqlite3_reset(statement)
                return (slot, nil)
            case SQLITE_ROW:
                let stored = sqlite3_column_text(statement, 0).map { String(cString: $0) } ?? ""
                let rank = Int(sqlite3_column_int64(statement, 1))
                sqlite3_reset(statement)
                if stored == key { return (slot, rank) }
                slot &+= 1
            default:
                sqlite3_reset(statement)
                throw SQLiteBinder.error(code, db)
            }
        }
    }
}
