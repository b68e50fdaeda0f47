extension ReportQuery {
    /// The query's filters as a reader says them ("model gpt-4o", "project acme", "tag team=core"), for a
    /// page footer or a "nothing matched" message. Empty when the query keeps every record.
    package var filterDescriptions: [String] {
        models.map { "model \($0)" } + providers.map { "provider \($0)" } + projects.map { "project \($0)" }
            + branches.map { "branch \($0)" } + tags.map { "tag \($0.key)=\($0.value)" }
    }
}
