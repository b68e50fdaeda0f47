import Foundation
import GRDB
import TokenLedgerCore

extension Ledger {
    /// Sets `project` and merges `tags` into the records already read from the log file or folder at
    /// `path` (a file, or every file below a folder), so metadata added to a configured source later
    /// reaches what was imported before. A nil project leaves projects as they are; a record's own tags
    /// are kept unless the source names the same key. Returns how many records changed.
    ///
    /// Cost: one pass over the source's distinct (project, tags) pairs, then one UPDATE per pair that
    /// differs; unchanged records are not written (the report rollup holds neither column).
    @discardableResult
    public func applySourceMetadata(path: String, project: String?, tags: [String: String]) throws -> Int {
        guard project != nil || !tags.isEmpty else { return 0 }
        var folder = path
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        let files = """
            source_file_id IN (SELECT id FROM log_file WHERE path = ? OR substr(path, 1, length(?) + 1) = ? || '/')
            """
        return try writer.write { db in
            let pairs = try Row.fetchAll(db, sql: "SELECT DISTINCT project, tags FROM usage_record WHERE \(files)",
                                         arguments: [folder, folder, folder])
            var changed = 0
            for pair in pairs {
                let oldProject: String? = pair["project"]
                let oldTags: String? = pair["tags"]
                var merged = Ledger.tagDictionary(oldTags)
                merged.merge(tags) { $1 }
                let newTags = Ledger.storedTags(merged) ?? oldTags
                let newProject = project ?? oldProject
                guard newProject != oldProject || newTags != oldTags else { continue }
                try db.execute(sql: """
                    UPDATE usage_record SET project = ?, tags = ? WHERE project IS ? AND tags IS ? AND \(files)
                    """, arguments: [newProject, newTags, oldProject, oldTags, folder, folder, folder])
                changed += db.changesCount
            }
            return changed
        }
    }

    /// A stored `tags` JSON object as a dictionary (string values only; anything else is dropped).
    package static func tagDictionary(_ json: String?) -> [String: String] {
        guard let json, let value = try? JSONParser.parse(json), case .object(let object) = value else { return [:] }
        var tags: [String: String] = [:]
        for (key, item) in object { if let text = item.string { tags[key] = text } }
        return tags
    }

    /// Tags as stored: a JSON object with sorted keys, nil for none (as `insert` writes them).
    package static func storedTags(_ tags: [String: String]) -> String? {
        if tags.isEmpty { return nil }
        return JSONValue.object(JSONObject(tags.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) })).serialized()
    }
}
