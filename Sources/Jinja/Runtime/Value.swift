public import JSON

/// A value inside a template, with Python's types and semantics.
///
/// JSON from a request is wrapped, not copied: `.jsonArray` and `.jsonObject` hold the request's own storage,
/// and an element becomes a `Value` only when the template reads it. Key order and the int/float distinction
/// survive all the way to `tojson` and printing.
public enum Value: Sendable {
    /// jinja2's `Undefined`: prints as "", is falsy and iterates as empty; most other uses raise.
    case undefined(Undefined)
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    /// An integer beyond 64 bits (from JSON or a literal), kept as its canonical decimal text.
    case bigInt(String)
    case string(String)
    /// markupsafe's `Markup`: a string marked safe (`|safe`, `|escape`); `+` and `%` escape plain operands.
    case markup(String)
    case list([Value])
    case tuple([Value])
    /// A dict made by the template (literal, `dict()`, filters).
    case dict(PyDict)
    case jsonArray([JSONValue])
    case jsonObject(JSONObject)
    /// Macros, namespaces, loop contexts, generators, builtin functions, bound methods, cyclers, joiners.
    case object(RuntimeObject)

    /// Wraps a JSON value (no copy of arrays or objects).
    public init(json: JSONValue) {
        switch json {
        case .null: self = .none
        case .bool(let b): self = .bool(b)
        case .number(let n): self = Value(number: n)
        case .string(let s): self = .string(s)
        case .array(let a): self = .jsonArray(a)
        case .object(let o): self = .jsonObject(o)
        }
    }

    init(number n: JSONNumber) {
        if n.isInteger {
            if let int = Int(n.literal) { self = .int(int) } else { self = .bigInt(n.pythonRepr) }
        } else {
            self = .float(n.doubleValue)
        }
    }

    public static func undefined(_ name: String) -> Value { .undefined(Undefined(name: name)) }

    /// A shared undefined value for tests that only ask whether something is defined (no allocation).
    static let missing = Value.undefined(Undefined(reason: .plain))

    public var isUndefined: Bool {
        if case .undefined = self { return true }
        return false
    }

    public var isNone: Bool {
        if case .none = self { return true }
        return false
    }

    /// The string when this is a `str` (or `Markup`).
    var stringValue: String? {
        switch self {
        case .string(let s), .markup(let s): return s
        default: return nil
        }
    }
}

extension Value: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByFloatLiteral, ExpressibleByNilLiteral, ExpressibleByArrayLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .float(value) }
    public init(nilLiteral: ()) { self = .none }
    public init(arrayLiteral elements: Value...) { self = .list(elements) }
}

/// Why a value is undefined; the message jinja2's `Undefined` raises with when the value is used.
public final class Undefined: Sendable {
    enum Reason: Sendable {
        case name(String)
        /// `'<type repr>' has no attribute 'name'`.
        case attribute(owner: String, name: String)
        /// `'<type repr>' has no element <repr>`.
        case element(owner: String, key: String)
        /// A fixed hint (`there is no next item`, `parameter 'x' was not provided`).
        case hint(String)
        /// The sandbox refused an attribute; using the value raises SecurityError.
        case unsafe(String)
        case plain
    }

    let reason: Reason

    init(reason: Reason) { self.reason = reason }
    convenience init(name: String) { self.init(reason: .name(name)) }

    var message: String {
        switch reason {
        case .name(let name): return "\(PythonRepr.string(name)) is undefined"
        case .attribute(let owner, let name): return "\(PythonRepr.string(owner)) has no attribute \(PythonRepr.string(name))"
        case .element(let owner, let key): return "\(owner) has no element \(key)"
        case .hint(let hint), .unsafe(let hint): return hint
        case .plain: return "value is undefined"
        }
    }

    /// The error raised when the undefined value is used for anything but printing, testing and iterating.
    var error: JinjaError {
        if case .unsafe(let message) = reason { return JinjaError(.security, message) }
        return JinjaError(.undefined, message)
    }
}

/// A Python dict made inside a template: insertion-ordered, keys compared with Python equality.
/// Lookup is a linear scan; template-made dicts are small.
public struct PyDict: Sendable {
    public struct Entry: Sendable {
        public var key: Value
        public var value: Value
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    init(entries: [Entry]) {
        self.entries = []
        self.entries.reserveCapacity(entries.count)
        for entry in entries { self[entry.key] = entry.value }
    }

    public var count: Int { entries.count }

    public subscript(key: Value) -> Value? {
        get {
            // A str key only ever equals a str key (or Markup).
            if case .string(let s) = key {
                for entry in entries {
                    switch entry.key {
                    case .string(let k), .markup(let k):
                        if k.codePointsEqual(s) { return entry.value }
                    default: continue
                    }
                }
                return nil
            }
            for entry in entries where entry.key.pythonEquals(key) { return entry.value }
            return nil
        }
        set {
            if let i = entries.firstIndex(where: { $0.key.pythonEquals(key) }) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    public subscript(key: String) -> Value? {
        get { self[.string(key)] }
        set { self[.string(key)] = newValue }
    }
}

/// Base of the values a template can create but JSON cannot hold. Subclasses are created during one render and
/// never leave it, which is why their mutable state (a namespace's attributes, a generator's position) is safe.
open class RuntimeObject: @unchecked Sendable {
    /// Python's `type(x).__name__` (used in TypeError messages).
    var typeName: String { "object" }
    /// jinja2's `object_type_repr` (used in undefined-attribute messages).
    var typeRepr: String { "\(typeName) object" }
    /// `repr(x)` / `str(x)`.
    var repr: String { "<\(typeName) object>" }
    var isCallable: Bool { false }
    var isTruthy: Bool { true }

    /// Attribute access (`x.name`); nil when there is no such attribute.
    func attribute(_ name: String, in renderer: Renderer) throws(JinjaError) -> Value? { nil }

    /// Calls the object; only callable objects override this.
    func call(_ arguments: Arguments, in renderer: Renderer) throws(JinjaError) -> Value {
        throw JinjaError(.type, "'\(typeName)' object is not callable")
    }

    /// The elements when the object can be iterated; nil otherwise.
    func iterate() throws(JinjaError) -> ValueList? { nil }

    /// `x[index]` for objects that are sequences; nil otherwise.
    func element(at index: Int) -> Value? { nil }

    /// `len(x)` when defined.
    var length: Int? { nil }

    init() {}
}

extension Value {
    var isMarkup: Bool {
        if case .markup = self { return true }
        return false
    }
}
