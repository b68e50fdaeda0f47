import TokenLedgerCore

/// Function definitions written the way OpenAI's o200k models read them: a TypeScript namespace in the
/// system message.
///
/// ```
/// # Tools
///
/// ## functions
///
/// namespace functions {
///
/// // Get the weather
/// type get_weather = (_: {
/// // The city
/// city: string,
/// unit?: "c" | "f",
/// }) => any;
///
/// } // namespace functions
/// ```
///
/// The layout is the one OpenAI's open-weight chat format (harmony) publishes for tools; its token count
/// plus a small constant per API (see `ChatTokenCounter.toolTokens`) matches the `prompt_tokens` of real
/// request/usage pairs (docs/request-counting.md). Cost: one pass over the definitions.
enum FunctionSignatures {
    /// The namespace text for `functions` (each a Chat `function` object or a Responses function tool).
    ///
    /// Beyond harmony's published layout, what the bills show (docs/request-counting.md): each line of a
    /// function's description is a `//` line trimmed of surrounding spaces (`commentLines`), a
    /// property's `title` and `description` are comment lines (a `$ref` property without either has the named
    /// schema's), a property's `default` is a
    /// trailing `// default: VALUE` comment when the property has comment lines, and a local `$ref` (`#/$defs/NAME`,
    /// `#/definitions/NAME`) is written as the schema it names.
    static func render(_ functions: [JSONValue]) -> String {
        var out = "# Tools\n\n## functions\n\nnamespace functions {\n\n"
        for function in functions {
            if let description = function["description"]?.string {
                out += commentLines(description)
            }
            let name = function["name"]?.string ?? ""
            let parameters = function["parameters"] ?? .null
            if let properties = parameters["properties"]?.object, properties.count > 0 {
                // The parameters object's own description is a comment before its brace, as in harmony's renderer
                // (pairs: "Typed arguments for a `load_capability` tool call." bills its 14 tokens, see docs).
                let comment = parameters["description"]?.string.map { "// \($0)\n" } ?? ""
                var schema = SchemaText(definitions: (parameters["$defs"] ?? parameters["definitions"])?.object ?? JSONObject())
                out += "type \(name) = (_: \(comment){\n\(schema.propertyLines(parameters))}) => any;\n\n"
            } else {
                out += "type \(name) = () => any;\n\n"
            }
        }
        return out + "} // namespace functions"
    }

    /// A function's description as comment lines: every line of it, trimmed of surrounding white space, is a
    /// `// LINE` line (`//` when empty), with the description's leading and trailing blank lines left out.
    /// Harmony's published renderer writes each line of a description as a `//` line; the bills show the lines
    /// trimmed (an indented docstring bills as if dedented) and an empty one without the space
    /// (docs/request-counting.md). Nothing for an empty description.
    static func commentLines(_ description: String) -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        let lines = description.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.drop(while: isBlank).reversed().drop(while: isBlank).reversed())
        }
        guard let first = lines.firstIndex(where: { !$0.isEmpty }), let last = lines.lastIndex(where: { !$0.isEmpty }) else {
            return ""
        }
        return lines[first...last].map { $0.isEmpty ? "//\n" : "// \($0)\n" }.joined()
    }

    /// A JSON schema written as a TypeScript type, with the schema's local definitions for `$ref`.
    private struct SchemaText {
        let definitions: JSONObject
        /// Definitions being written, so a recursive `$ref` becomes `any` instead of looping.
        var expanding: Set<String> = []

        mutating func propertyLines(_ schema: JSONValue) -> String {
            let required = Set((schema["required"]?.array ?? []).compactMap(\.string))
            var out = ""
            for (key, property) in schema["properties"]?.object ?? JSONObject() {
                // A property's title and description are comment lines, the title first (Pydantic titles every
                // property unless told not to: 116 Mirascope pairs fit with the title line, none lost by it; the
                // 11 pairs whose properties have both bill both lines). A `$ref` property without either has
                // those of the schema it names.
                let comments = commentLines(property)
                for comment in comments { out += "// \(comment)\n" }
                out += "\(key)\(required.contains(key) ? "" : "?"): \(typeText(property)),"
                // The default is billed only on a property that has comment lines: a bare `value?: boolean` with
                // `"default": false` bills nothing for it (pydantic-ai's 19-tool agent, 47 streamed gpt-4o pairs,
                // 4 or 5 over with the comment and within 1 without), while titled or described properties bill it
                // (a described `"default": null`: 4 under without it; a titled `"default": "fahrenheit"`: five
                // Mirascope pairs, 7 under without it).
                if let value = property["default"], !comments.isEmpty {
                    out += " // default: \(value.serialized())"
                }
                out += "\n"
            }
            return out
        }

        /// The comment lines of a property: its title, then its description (each when present and not empty);
        /// a `$ref` property with neither has those of the schema it names.
        func commentLines(_ property: JSONValue) -> [String] {
            var source = property
            if property["title"] == nil, property["description"] == nil, let reference = property["$ref"]?.string,
               let target = definitions[String(reference.split(separator: "/").last ?? "")] {
                source = target
            }
            return [source["title"]?.string, source["description"]?.string].compactMap { $0 }.filter { !$0.isEmpty }
        }

        mutating func typeText(_ schema: JSONValue) -> String {
            if let reference = schema["$ref"]?.string {
                let name = String(reference.split(separator: "/").last ?? "")
                guard let target = definitions[name], !expanding.contains(name) else { return "any" }
                expanding.insert(name)
                defer { expanding.remove(name) }
                return typeText(target)
            }
            if let values = schema["enum"]?.array { return values.map { $0.serialized() }.joined(separator: " | ") }
            if let value = schema["const"] { return value.serialized() }
            if let options = schema["anyOf"]?.array ?? schema["oneOf"]?.array {
                return options.map { typeText($0) }.joined(separator: " | ")
            }
            switch schema["type"] {
            case .array(let types)?:
                return types.map { type in
                    var copy = schema.object ?? JSONObject()
                    copy["type"] = type
                    return typeText(.object(copy))
                }.joined(separator: " | ")
            case .string("array")?:
                return typeText(schema["items"] ?? .null) + "[]"
            case .string("object")? where schema["properties"]?.object.map({ $0.count > 0 }) ?? false:
                return "{\n\(propertyLines(schema))}"
            case .string("integer")?:
                return "number"
            case .string(let type)?:
                return type
            default:
                return "any"
            }
        }
    }
}
