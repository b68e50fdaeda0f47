/// A JSON value whose numbers keep their exact source text, and whose objects keep key order.
///
/// Why not `JSONSerialization`/`Codable`: they turn `"cost": 0.00012` into a binary `Double`, and money
/// must stay exact; they are also several times slower on Linux for the many small objects an import
/// reads. Object lookup is a linear scan, which beats hashing for the 5–40 keys of a log line.
public enum JSONValue: Sendable, Hashable {
    /// JSON `null`.
    case null
    /// JSON `true` or `false`.
    case bool(Bool)
    /// The number exactly as written ("1.1e-06", "59200.0", "-3").
    case number(String)
    /// A string, escapes decoded.
    case string(String)
    /// An array, in order.
    case array([JSONValue])
    /// An object, its members in source order.
    case object(JSONObject)

    // MARK: Typed access (nil when absent, null, or of another type)

    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The element at `index` when this is an array and the index is in range.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }

    /// Follows a path of keys: `value[path: "usage", "prompt_tokens_details", "cached_tokens"]`.
    public subscript(path keys: String...) -> JSONValue? {
        var current: JSONValue? = self
        for key in keys { current = current?[key] }
        return current
    }

    /// The string, when this is one.
    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The object, when this is one.
    public var object: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The elements, when this is an array.
    public var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The boolean, when this is one.
    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// True for JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// An integer from a number ("42", "59200.0", "1e3") or a numeric string ("42"); nil if fractional.
    public var int: Int? {
        let text: String
        switch self {
        case .number(let t): text = t
        case .string(let s): text = s
        default: return nil
        }
        if let i = Int(text) { return i }
        guard let d = ExactDecimal(text), let whole = d.scaled(toFractionDigits: 0),
              let i = Int(exactly: whole) else { return nil }
        return i
    }

    /// The exact decimal of a number or numeric string.
    public var decimal: ExactDecimal? {
        switch self {
        case .number(let t): return ExactDecimal(t)
        case .string(let s): return ExactDecimal(s)
        default: return nil
        }
    }

    /// A USD amount from a number or numeric string, exact (nil if it needs rounding below a picodollar).
    public var money: Money? {
        switch self {
        case .number(let t): return Money(decimalText: t)
        case .string(let s): return Money(decimalText: s)
        default: return nil
        }
    }
}

/// A JSON object with its keys in source order.
public struct JSONObject: Sendable, Hashable, Sequence {
    /// The members in source order; a lookup by name finds the first with that name.
    public var members: [(key: String, value: JSONValue)]

    /// An object with these members, in this order.
    public init(_ members: [(key: String, value: JSONValue)] = []) { self.members = members }

    /// The member named `key` (the first, if repeated); setting nil removes it, setting a new name appends it.
    public subscript(key: String) -> JSONValue? {
        get {
            for member in members where member.key == key { return member.value }
            return nil
        }
        set {
            if let i = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[i].value = newValue } else { members.remove(at: i) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// The member names in source order.
    public var keys: [String] { members.map(\.key) }
    /// The number of members.
    public var count: Int { members.count }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { members.makeIterator() }

    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        a.members.count == b.members.count && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    public func hash(into hasher: inout Hasher) {
        for m in members {
            hasher.combine(m.key)
            hasher.combine(m.value)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByIntegerLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements.map { (key: $0.0, value: $0.1) }))
    }
    public init(integerLiteral value: Int) { self = .number(String(value)) }

    /// A JSON number from an integer.
    package static func int(_ value: Int) -> JSONValue { .number(String(value)) }
    /// Money is written as a decimal *string* ("0.001234"), never a JSON number.
    package static func money(_ value: Money) -> JSONValue { .string(value.decimalString) }
    /// An optional value, or null.
    package static func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
}
