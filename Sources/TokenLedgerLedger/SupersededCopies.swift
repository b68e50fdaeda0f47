/// The earlier copies of one dedup key that a batch folded into its highest-ranked copy before writing
/// (a streamed response's placeholder line and its final line, read into the same batch), so the
/// ledger writes that key once. Storing a batch ends the same whether its copies of a key are written
/// one after another or only the first copy of the highest rank is: a stored key is replaced only by
/// a strictly higher rank.
///
/// The import summary still counts every copy as writing it in order would have: a copy that would
/// have been stored (the key's first, or one ranked above every copy before it and above the stored
/// row) is one inserted or replaced record; any other copy is a duplicate. Only a new record counts
/// as unpriced (`InsertCounts.unpriced`), so a replaced placeholder adds no unpriced count. A
/// first import of a streamed response therefore still says one record imported and one replaced,
/// and a re-read of a file whose records are all stored says only duplicates. Which copies would have
/// been stored depends on the rank stored before the batch, so the engine counts them once it knows
/// it (`count(into:storedRank:)`). Cost: one small array per folded key, nothing for other keys.
package struct SupersededCopies: Sendable {
    /// A folded copy that was ranked above every copy of its key before it in the batch.
    package struct Copy: Sendable {
        /// Its supersede rank.
        package var rank: Int

        package init(rank: Int) {
            self.rank = rank
        }
    }

    /// The folded copies each ranked above all before it, in batch order (so in ascending rank), all
    /// below the copy that is written.
    package private(set) var ascending: [Copy] = []
    /// Folded copies ranked no higher than one before them: duplicates whatever is stored.
    package private(set) var duplicates = 0

    package init() {}

    /// Records that `copy`, until now the key's highest-ranked copy in the batch, gives way to a
    /// later copy of a strictly higher rank.
    package mutating func supersede(_ copy: Copy) {
        ascending.append(copy)
    }

    /// Records a later copy whose rank is not above the key's highest so far (nothing to write).
    package mutating func addDuplicate() {
        duplicates += 1
    }

    /// Adds the folded copies to `counts`, given the rank stored for the key before the batch (nil when
    /// the key was new: then its first copy was the insert, counted already as the written copy's, and
    /// every folded copy after it a replacement).
    package func count(into counts: inout InsertCounts, storedRank: Int?) {
        counts.duplicates += duplicates
        for copy in ascending {
            if let storedRank, copy.rank <= storedRank {
                counts.duplicates += 1
                continue
            }
            counts.replaced += 1
        }
    }
}

extension StoredUsage {
    /// This row as a folded copy: its rank.
    var copy: SupersededCopies.Copy { SupersededCopies.Copy(rank: entry.supersedeRank) }
}
