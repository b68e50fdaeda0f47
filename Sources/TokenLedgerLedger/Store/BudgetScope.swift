
/// Which usage counts against a budget. Every condition given must hold (AND); none means all usage.
public struct BudgetScope: Sendable, Hashable {
    /// A model name or glob pattern (`*` any run, `?` one character, case-insensitive), matched
    /// against the resolved model id and against the model name as logged: "o3*", "gpt-4o-mini".
    public var model: String?
    /// Provider family exactly: "openai", "anthropic".
    public var provider: String?
    /// Project name exactly.
    public var project: String?
    /// A tag that must be present with this value: ("team", "search") from `tag = "team=search"`.
    public var tag: (key: String, value: String)?
    /// Effort tier exactly ("high"); "unknown" matches records whose log did not say.
    public var effort: String?
    /// Git branch exactly, as the coding agent logged it ("feature/invoices").
    public var branch: String?

    public init(model: String? = nil, provider: String? = nil, project: String? = nil,
                tag: (key: String, value: String)? = nil, effort: String? = nil, branch: String? = nil) {
        self.model = model
        self.provider = provider
        self.project = project
        self.tag = tag
        self.effort = effort.map { $0.lowercased() }
        self.branch = branch
    }

    /// True when the scope selects all usage.
    public var isEverything: Bool { model == nil && provider == nil && project == nil && tag == nil && effort == nil && branch == nil }

    /// "model o3*, project acme" or "all usage", for tables and alert text.
    public var summary: String {
        var parts: [String] = []
        if let model { parts.append("model \(model)") }
        if let provider { parts.append("provider \(provider)") }
        if let project { parts.append("project \(project)") }
        if let tag { parts.append("tag \(tag.key)=\(tag.value)") }
        if let effort { parts.append("effort \(effort)") }
        if let branch { parts.append("branch \(branch)") }
        return parts.isEmpty ? "all usage" : parts.joined(separator: ", ")
    }

    public static func == (a: BudgetScope, b: BudgetScope) -> Bool {
        a.model == b.model && a.provider == b.provider && a.project == b.project && a.effort == b.effort && a.branch == b.branch
            && a.tag?.key == b.tag?.key && a.tag?.value == b.tag?.value
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(model)
        hasher.combine(provider)
        hasher.combine(project)
        hasher.combine(tag?.key)
        hasher.combine(tag?.value)
        hasher.combine(effort)
        hasher.combine(branch)
    }
}
