import Foundation

/// Checks made before an import starts, so a bad flag fails with exit 2 instead of quarantining a
/// whole file (and checkpointing it as read, so a corrected rerun would find it unchanged).
package enum ImportPreflight {
    /// For `--format csv`: every CSV file given directly must be readable with `--map` (or, without
    /// it, by its header names). Folders are not opened here. Cost: reads each file's header line.
    public static func check(sources: [ImportSource], map: String?) throws {
        for source in sources where source.format?.lowercased() == "csv" {
            let path = source.url.standardizedFileURL.path
            guard let status = FileStatus.of(path), status.isRegularFile,
                  let head = FileStatus.bytes(of: path, count: ImportPipeline.detectLength) else { continue }
            try GenericCSVAdapter.checkMapping(head: head, map: map)
        }
    }
}
