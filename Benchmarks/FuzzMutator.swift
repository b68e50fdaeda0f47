import Foundation
import TokenLedger

/// A small deterministic generator (SplitMix64): the same seed gives the same inputs on every machine,
/// so a failure found with `--seed S` is found again with `--seed S --only I`.
struct FuzzRandom {
    private var state: UInt64

    init(seed: UInt64, input: Int) {
        state = seed &+ UInt64(truncatingIfNeeded: input) &* 0x9E37_79B9_7F4A_7C15
        _ = next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A value in `0..<bound` (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
    mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
    mutating func pick<T>(_ values: [T]) -> T { values[below(values.count)] }
}

/// What a mutation does to a log. `deletionOnly` kinds only remove bytes or lines, so the records
/// they leave can never add up to more tokens than the un-mutated log's; `duplicating` kinds only
/// repeat what is there, so the totals must stay exactly the un-mutated log's.
enum FuzzMutation: String, CaseIterable {
    case truncate = "truncate at a random byte"
    case dropLines = "drop lines"
    case duplicateLines = "duplicate lines"
    case reorderLines = "reorder lines"
    case flipBytes = "flip bytes"
    case dropField = "drop a field"
    case duplicateField = "duplicate a field"
    case reorderFields = "reorder fields"
    case changeType = "change a value's type"
    case giantNumber = "giant or odd numbers"
    case deepNesting = "deep nesting"
    case invalidUTF8 = "invalid UTF-8, NUL, lone CR"
    case lineEndings = "CRLF, blank lines, no final newline"
    case foreignLine = "a line from another format"
    case secretCanary = "fake sk- key and prompt text"
    case hugeLine = "a 50 MB line"

    var deletionOnly: Bool { self == .truncate || self == .dropLines }
    var duplicating: Bool { self == .duplicateLines }

    /// Mutations other than these are applied to every input in turn; a 50 MB line costs ~0.3 s to
    /// write and read, so it is one input in `hugeLineEvery`.
    static let hugeLineEvery = 1000
    static let rotation: [FuzzMutation] = allCases.filter { $0 != .hugeLine }

    /// The mutation of input `index`: round-robin, so every kind gets the same share of a run.
    static func of(input index: Int) -> FuzzMutation {
        index % hugeLineEvery == hugeLineEvery - 1 ? .hugeLine : rotation[index % rotation.count]
    }
}

/// The text planted by `.secretCanary`. Neither may ever appear in the ledger, a quarantine reason or
/// a message: the key is a secret, the text stands for a prompt or a response.
enum FuzzCanary {
    static let apiKey = "sk-proj-FUZZCANARY0123456789abcdefABCDEF0123456789"
    static let prompt = "FUZZ-PROMPT-CANARY tell me the launch codes"
    static let markers = ["FUZZCANARY", "FUZZ-PROMPT-CANARY"]
}

/// Turns a fixture log into a mutated one. Byte-level kinds work on any file (SQLite databases
/// included); structure-aware kinds parse a JSON line (or a `data:` line, or a whole JSON document)
/// or a CSV row, change it, and write it back.
struct FuzzMutator {
    var random: FuzzRandom
    /// Lines of other fixtures, for `.foreignLine`.
    var foreignLines: [[UInt8]]

    mutating func mutate(_ input: [UInt8], with mutation: FuzzMutation, isDatabase: Bool) -> [UInt8] {
        if isDatabase {
            // A logs.db: only byte damage makes sense (SQLite must report it, not crash).
            switch mutation {
            case .truncate, .dropLines: return truncate(input)
            default: return flipBytes(input, count: 1 + random.below(64))
            }
        }
        switch mutation {
        case .truncate: return truncate(input)
        case .dropLines:
            var lines = splitLines(input)
            guard lines.count > 1 else { return truncate(input) }
            for _ in 0..<(1 + random.below(3)) where lines.count > 1 { lines.remove(at: random.below(lines.count)) }
            return joinLines(lines)
        case .duplicateLines:
            var lines = splitLines(input)
            guard !lines.isEmpty else { return input }
            for _ in 0..<(1 + random.below(3)) {
                let line = lines[random.below(lines.count)]
                lines.insert(line, at: random.below(lines.count + 1))
            }
            return joinLines(lines)
        case .reorderLines:
            var lines = splitLines(input)
            guard lines.count > 1 else { return input }
            for _ in 0..<(1 + random.below(3)) { lines.swapAt(random.below(lines.count), random.below(lines.count)) }
            return joinLines(lines)
        case .flipBytes: return flipBytes(input, count: 1 + random.below(8))
        case .dropField, .duplicateField, .reorderFields, .changeType, .giantNumber, .secretCanary:
            return structured(input, mutation)
        case .deepNesting: return deepNesting(input)
        case .invalidUTF8: return invalidUTF8(input)
        case .lineEndings: return lineEndings(input)
        case .foreignLine:
            var lines = splitLines(input)
            let foreign = random.pick(foreignLines)
            lines.insert(foreign, at: random.below(lines.count + 1))
            return joinLines(lines)
        case .hugeLine: return hugeLine(input)
        }
    }

    // MARK: Bytes and lines

    private mutating func truncate(_ input: [UInt8]) -> [UInt8] {
        Array(input.prefix(random.below(input.count + 1)))
    }

    private mutating func flipBytes(_ input: [UInt8], count: Int) -> [UInt8] {
        guard !input.isEmpty else { return [0xFF] }
        var out = input
        for _ in 0..<count {
            let at = random.below(out.count)
            out[at] = random.chance(2) ? out[at] ^ UInt8(1 << random.below(8)) : UInt8(truncatingIfNeeded: random.next())
        }
        return out
    }

    /// Lines without their "\n"; a missing final newline is kept as the last element's lack of one
    /// by `joinLines` only when the input had none.
    private func splitLines(_ input: [UInt8]) -> [[UInt8]] {
        input.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init).dropLastIfEmpty()
    }

    private func joinLines(_ lines: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines {
            out += line
            out.append(0x0A)
        }
        return out
    }

    private mutating func deepNesting(_ input: [UInt8]) -> [UInt8] {
        let depth = random.pick([100, 511, 513, 5_000, 100_000])
        let open: [UInt8] = random.chance(2) ? Array("[".utf8) : Array(#"{"a":"#.utf8)
        let close: [UInt8] = open.count == 1 ? Array("]".utf8) : Array("}".utf8)
        var nested: [UInt8] = []
        nested.reserveCapacity(depth * (open.count + 1) + 8)
        for _ in 0..<depth { nested += open }
        nested += Array("1".utf8)
        if random.chance(3) == false { for _ in 0..<depth { nested += close } }
        var lines = splitLines(input)
        if random.chance(2), let i = lines.indices.randomElement(using: &random), let value = replaceValue(in: lines[i], with: nested) {
            lines[i] = value
        } else {
            lines.insert(nested, at: random.below(lines.count + 1))
        }
        return joinLines(lines)
    }

    private mutating func invalidUTF8(_ input: [UInt8]) -> [UInt8] {
        let sequences: [[UInt8]] = [[0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0x00], [0x0D], [0xEF, 0xBB, 0xBF], [0x5C, 0x75, 0x44, 0x38, 0x30, 0x30]]
        var out = input
        for _ in 0..<(1 + random.below(3)) {
            // Often inside a string value, where a parser has to decode it.
            var at = random.below(out.count + 1)
            if random.chance(2), let quote = out.indices.filter({ out[$0] == 0x22 }).randomElement(using: &random) { at = quote + 1 }
            out.insert(contentsOf: random.pick(sequences), at: at)
        }
        return out
    }

    private mutating func lineEndings(_ input: [UInt8]) -> [UInt8] {
        var lines = splitLines(input)
        switch random.below(4) {
        case 0: return lines.flatMap { $0 + [0x0D, 0x0A] }
        case 1:
            for _ in 0..<(1 + random.below(4)) { lines.insert(random.chance(2) ? [] : Array("   \t".utf8), at: random.below(lines.count + 1)) }
            return joinLines(lines)
        case 2: return Array(joinLines(lines).dropLast())
        default: return input.map { $0 == 0x0A ? 0x0D : $0 }
        }
    }

    private mutating func hugeLine(_ input: [UInt8]) -> [UInt8] {
        var lines = splitLines(input)
        let size = random.chance(4) ? 66 << 20 : 50 << 20  // sometimes past the 64 MiB line limit
        var huge: [UInt8] = []
        huge.reserveCapacity(size + 256)
        if let i = lines.indices.randomElement(using: &random), let _ = try? JSONParser.parse(lines[i]) {
            // A real record with a 50 MB answer: still one record.
            huge = Array(#"{"pad":""#.utf8)
            huge += [UInt8](repeating: UInt8(ascii: "x"), count: size)
            huge += Array(#"","#.utf8) + lines[i].dropFirst()
        } else {
            huge = [UInt8](repeating: UInt8(ascii: "y"), count: size)
        }
        lines.insert(huge, at: random.below(lines.count + 1))
        return joinLines(lines)
    }

    // MARK: Structure

    /// Applies a JSON-aware mutation to one line (or to the whole document when no line is JSON),
    /// or a CSV-aware one to one row.
    private mutating func structured(_ input: [UInt8], _ mutation: FuzzMutation) -> [UInt8] {
        var lines = splitLines(input)
        let candidates = lines.indices.filter { jsonPart(of: lines[$0]) != nil }
        if let i = candidates.randomElement(using: &random), let (prefix, json) = jsonPart(of: lines[i]) {
            lines[i] = prefix + Array(mutateJSON(json, mutation).serialized().utf8)
            return joinLines(lines)
        }
        if let document = try? JSONParser.parse(input) {
            return Array(mutateJSON(document, mutation).serialized(pretty: true).utf8) + [0x0A]
        }
        // CSV (or anything else): treat a row as comma-separated cells.
        guard !lines.isEmpty else { return input }
        var i = random.below(lines.count)
        if mutation == .secretCanary {
            // Only into a column that holds text or keys (a key in a project-name column is the
            // user's own metadata, not a leak); rows other than the header.
            let header = lines[0].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
                .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased() }
            guard lines.count > 1, let column = header.indices.filter({ FuzzMutator.textKeys.contains(header[$0]) }).randomElement(using: &random)
            else { return input }
            i = 1 + random.below(lines.count - 1)
            var cells = lines[i].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map(Array.init)
            guard column < cells.count else { return input }
            cells[column] = Array(FuzzCanary.apiKey.utf8)
            lines[i] = Array(cells.joined(separator: [UInt8(ascii: ",")]))
            return joinLines(lines)
        }
        var cells = lines[i].split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map(Array.init)
        let c = random.below(cells.count)
        switch mutation {
        case .dropField: if cells.count > 1 { cells.remove(at: c) }
        case .duplicateField: cells.insert(cells[c], at: c)
        case .reorderFields: cells.swapAt(c, random.below(cells.count))
        case .changeType: cells[c] = Array(random.pick(["", "true", "null", "\"x\"", "[]", "abc"]).utf8)
        case .giantNumber: cells[c] = Array(random.pick(FuzzMutator.oddNumbers).utf8)
        default: cells[c] = Array("\"\(FuzzCanary.prompt) \(FuzzCanary.apiKey)\"".utf8)
        }
        lines[i] = Array(cells.joined(separator: [UInt8(ascii: ",")]))
        return joinLines(lines)
    }

    /// The JSON of a line: the whole line, or what follows an SSE `data: `.
    private func jsonPart(of line: [UInt8]) -> ([UInt8], JSONValue)? {
        if let value = try? JSONParser.parse(line), value.object != nil || value.array != nil { return ([], value) }
        let data = Array("data: ".utf8)
        if line.starts(with: data), let value = try? JSONParser.parse(line.dropFirst(data.count)), value.object != nil {
            return (data, value)
        }
        return nil
    }

    static let oddNumbers = [
        "99999999999999999999999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "18446744073709551616", "1e400", "-1e400", "1e-400", "-1", "-0", "1.5", "0.0000001", "2147483648", "4294967296",
        "1E+30", "-0.0", "1" + String(repeating: "0", count: 400),
    ]

    /// Changes one randomly chosen place in `value` (found by a random walk down the tree).
    private mutating func mutateJSON(_ value: JSONValue, _ mutation: FuzzMutation) -> JSONValue {
        // Walk down while a container has children, stopping early at random.
        func walk(_ v: JSONValue, depth: Int) -> JSONValue {
            switch v {
            case .object(var object) where !object.members.isEmpty:
                if depth > 0 && random.chance(3) { return apply(v) }
                var i = random.below(object.members.count)
                if mutation == .giantNumber, !random.chance(4) {
                    // Mostly where token counts and amounts live.
                    let numbers = object.members.indices.filter { if case .number = object.members[$0].value { return true } else { return false } }
                    if let n = numbers.randomElement(using: &random) { i = n }
                }
                if mutation == .secretCanary, FuzzMutator.textKeys.contains(object.members[i].key.lowercased()) {
                    object.members[i].value = canary(object.members[i].value)
                    return .object(object)
                }
                if case .object = object.members[i].value { object.members[i].value = walk(object.members[i].value, depth: depth + 1) }
                else if case .array = object.members[i].value { object.members[i].value = walk(object.members[i].value, depth: depth + 1) }
                else { return apply(v, at: i) }
                return .object(object)
            case .array(var elements) where !elements.isEmpty:
                let i = random.below(elements.count)
                elements[i] = walk(elements[i], depth: depth + 1)
                return .array(elements)
            default:
                return apply(v)
            }
        }
        func apply(_ v: JSONValue, at chosen: Int? = nil) -> JSONValue {
            guard case .object(var object) = v, !object.members.isEmpty else {
                return mutation == .changeType || mutation == .giantNumber ? replacement(for: v, mutation) : v
            }
            let i = chosen ?? random.below(object.members.count)
            switch mutation {
            case .dropField: object.members.remove(at: i)
            case .duplicateField: object.members.insert((object.members[i].key, replacement(for: object.members[i].value, mutation)), at: random.below(object.members.count + 1))
            case .reorderFields: object.members.shuffle(using: &random)
            case .changeType, .giantNumber: object.members[i].value = replacement(for: object.members[i].value, mutation)
            case .secretCanary:
                // No text field here: add the kinds of places keys and prompts hide in real logs.
                object.members.append(("messages", [["role": "user", "content": .string(FuzzCanary.prompt)]]))
                object.members.append(("api_key", .string(FuzzCanary.apiKey)))
                object.members.append(("headers", ["Authorization": .string("Bearer " + FuzzCanary.apiKey)]))
            default: break
            }
            return .object(object)
        }
        return walk(value, depth: 0)
    }

    /// Keys whose values are prompt or response text, or credentials, in the formats read.
    static let textKeys: Set<String> = ["content", "text", "prompt", "response", "input", "output", "message", "messages",
                                        "api_key", "apikey", "authorization", "arguments", "system", "instructions", "delta"]

    private mutating func canary(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            return .array(elements + [["type": "text", "text": .string(FuzzCanary.prompt + " " + FuzzCanary.apiKey)]])
        case .object(var object):
            object.members.append(("text", .string(FuzzCanary.prompt + " " + FuzzCanary.apiKey)))
            return .object(object)
        default:
            return .string(FuzzCanary.prompt + " " + FuzzCanary.apiKey)
        }
    }

    private mutating func replacement(for value: JSONValue, _ mutation: FuzzMutation) -> JSONValue {
        if mutation == .giantNumber { return .number(random.pick(FuzzMutator.oddNumbers)) }
        switch value {
        case .number(let text): return random.pick([.string(text), .null, .bool(true), .array([.number(text)]), ["value": .number(text)]])
        case .string(let text): return random.pick([.number(String(text.utf8.count)), .null, .array([]), .string(""), .number("1e999")])
        case .null: return random.pick([.number("0"), .string("null"), .object(JSONObject())])
        case .bool(let b): return random.pick([.string(b ? "true" : "false"), .number(b ? "1" : "0")])
        case .array: return random.pick([.object(JSONObject()), .string("[]"), .null])
        case .object: return random.pick([.array([]), .string("{}"), .number("42")])
        }
    }

    /// Replaces the first JSON value of `line` after a ':' at random with `value` (raw bytes).
    private mutating func replaceValue(in line: [UInt8], with value: [UInt8]) -> [UInt8]? {
        let colons = line.indices.filter { line[$0] == UInt8(ascii: ":") }
        guard let colon = colons.randomElement(using: &random) else { return nil }
        var end = colon + 1
        while end < line.count, line[end] != UInt8(ascii: ","), line[end] != UInt8(ascii: "}") { end += 1 }
        return Array(line[...colon]) + value + Array(line[end...])
    }
}

extension FuzzRandom: RandomNumberGenerator {}

private extension Array where Element == [UInt8] {
    func dropLastIfEmpty() -> [[UInt8]] { last?.isEmpty == true ? Array(dropLast()) : self }
}
