import JSON

/// Python's type names, truthiness, `str`/`repr`, equality, ordering, `len` and iteration.
extension Value {
    /// `type(x).__name__`, for TypeError messages.
    var typeName: String {
        switch self {
        case .undefined: return "Undefined"
        case .none: return "NoneType"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .markup: return "Markup"
        case .list, .jsonArray: return "list"
        case .tuple: return "tuple"
        case .dict, .jsonObject: return "dict"
        case .object(let o): return o.typeName
        }
    }

    /// jinja2's `object_type_repr`, for undefined-attribute messages: `dict object`, `None`, ….
    var typeRepr: String {
        switch self {
        case .none: return "None"
        case .markup: return "markupsafe.Markup object"
        case .object(let o): return o.typeRepr
        case .undefined: return "Undefined object"
        case .bool: return "bool object"
        case .int, .bigInt: return "int object"
        case .float: return "float object"
        case .string: return "str object"
        case .list, .jsonArray: return "list object"
        case .tuple: return "tuple object"
        case .dict, .jsonObject: return "dict object"
        }
    }

    /// Python truthiness (`Undefined` is falsy).
    public var isTruthy: Bool {
        switch self {
        case .undefined, .none: return false
        case .bool(let b): return b
        case .int(let i): return i != 0
        case .bigInt: return true
        case .float(let d): return d != 0
        case .string(let s), .markup(let s): return !s.isEmpty
        case .list(let a), .tuple(let a): return !a.isEmpty
        case .jsonArray(let a): return !a.isEmpty
        case .dict(let d): return d.count > 0
        case .jsonObject(let o): return !o.isEmpty
        case .object(let o): return o.isTruthy
        }
    }

    /// Python `str(x)`: what `{{ x }}` prints.
    public func pythonString() throws(JinjaError) -> String { try str() }

    /// Python `repr(x)`.
    public func pythonRepr() throws(JinjaError) -> String { try repr() }

    func str() throws(JinjaError) -> String {
        switch self {
        case .string(let s), .markup(let s): return s
        case .undefined: return ""
        case .int(let i): return String(i)
        default:
            var out = ""
            try appendStr(to: &out)
            return out
        }
    }

    func appendStr(to out: inout String) throws(JinjaError) {
        switch self {
        case .string(let s), .markup(let s): out += s
        case .undefined: break
        case .none: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .int(let i): out += String(i)
        case .bigInt(let s): out += s
        case .float(let d): out += PythonRepr.float(d)
        case .object(let o): out += o.repr
        default: try appendRepr(to: &out, depth: 0)
        }
    }

    /// Python `repr(x)`: how values print inside lists and dicts.
    func repr() throws(JinjaError) -> String {
        var out = ""
        try appendRepr(to: &out, depth: 0)
        return out
    }

    static let maxReprDepth = 900

    func appendRepr(to out: inout String, depth: Int) throws(JinjaError) {
        guard depth < Value.maxReprDepth, depth & 15 != 15 || StackGuard.hasRoom() else {
            throw JinjaError(.recursion, "maximum recursion depth exceeded")
        }
        switch self {
        case .string(let s): PythonRepr.appendString(s, to: &out)
        case .markup(let s):
            out += "Markup("
            PythonRepr.appendString(s, to: &out)
            out += ")"
        case .undefined: out += "Undefined"
        case .list(let a):
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += ", " }
                try element.appendRepr(to: &out, depth: depth + 1)
            }
            out += "]"
        case .tuple(let a):
            out += "("
            for (i, element) in a.enumerated() {
                if i > 0 { out += ", " }
                try element.appendRepr(to: &out, depth: depth + 1)
            }
            out += a.count == 1 ? ",)" : ")"
        case .dict(let d):
            out += "{"
            for (i, entry) in d.entries.enumerated() {
                if i > 0 { out += ", " }
                try entry.key.appendRepr(to: &out, depth: depth + 1)
                out += ": "
                try entry.value.appendRepr(to: &out, depth: depth + 1)
            }
            out += "}"
        case .jsonArray, .jsonObject:
            try Value.appendRepr(json: jsonPayload, to: &out, depth: depth)
        default:
            try appendStr(to: &out)
        }
    }

    /// The JSON payload of `.jsonArray`/`.jsonObject` (null otherwise).
    private var jsonPayload: JSONValue {
        switch self {
        case .jsonArray(let a): return .array(a)
        case .jsonObject(let o): return .object(o)
        default: return .null
        }
    }

    static func appendRepr(json: JSONValue, to out: inout String, depth: Int) throws(JinjaError) {
        guard depth < Value.maxReprDepth, depth & 15 != 15 || StackGuard.hasRoom() else {
            throw JinjaError(.recursion, "maximum recursion depth exceeded")
        }
        switch json {
        case .null: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .number(let n): try Value(number: n).appendStr(to: &out)
        case .string(let s): PythonRepr.appendString(s, to: &out)
        case .array(let a):
            out += "["
            for (i, element) in a.enumerated() {
                if i > 0 { out += ", " }
                try appendRepr(json: element, to: &out, depth: depth + 1)
            }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, entry) in o.enumerated() {
                if i > 0 { out += ", " }
                PythonRepr.appendString(entry.key, to: &out)
                out += ": "
                try appendRepr(json: entry.value, to: &out, depth: depth + 1)
            }
            out += "}"
        }
    }
}

// MARK: - Numbers

/// A number as Python arithmetic sees it (`bool` counts as `int`).
enum Number {
    case int(Int)
    case float(Double)

    var double: Double {
        switch self {
        case .int(let i): return Double(i)
        case .float(let d): return d
        }
    }
}

extension Value {
    /// The value as a number when it is an int, float or bool.
    var number: Number? {
        switch self {
        case .int(let i): return .int(i)
        case .float(let d): return .float(d)
        case .bool(let b): return .int(b ? 1 : 0)
        case .bigInt(let s): return .float(Double(s) ?? .nan)
        default: return nil
        }
    }

    var isNumber: Bool { number != nil }
}

// MARK: - Equality and ordering

extension Value {
    /// Python `==`.
    func pythonEquals(_ other: Value) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)), (.string(let a), .markup(let b)),
             (.markup(let a), .string(let b)), (.markup(let a), .markup(let b)):
            return a.codePointsEqual(b)
        case (.int(let a), .int(let b)): return a == b
        case (.bigInt(let a), .bigInt(let b)): return a == b
        case (.bigInt, .int), (.int, .bigInt): return false
        case (.none, .none), (.undefined, .undefined): return true
        case (.tuple(let a), .tuple(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.pythonEquals($1) }
        case (.list, .list), (.list, .jsonArray), (.jsonArray, .list), (.jsonArray, .jsonArray):
            guard let a = listElements, let b = other.listElements, a.count == b.count else { return false }
            for i in 0..<a.count where !a[i].pythonEquals(b[i]) { return false }
            return true
        case (.dict, .dict), (.dict, .jsonObject), (.jsonObject, .dict), (.jsonObject, .jsonObject):
            if case .jsonObject(let a) = self, case .jsonObject(let b) = other { return a == b }
            guard let a = mappingEntries, let b = other.mappingEntries, a.count == b.count else { return false }
            for entry in a {
                guard let match = b.first(where: { $0.key.pythonEquals(entry.key) }),
                      match.value.pythonEquals(entry.value) else { return false }
            }
            return true
        case (.object(let a), .object(let b)): return a === b
        default:
            if let a = number, let b = other.number {
                switch (a, b) {
                case (.int(let x), .int(let y)): return x == y
                default: return a.double == b.double
                }
            }
            return false
        }
    }

    /// The elements of a list (template or JSON); nil for anything else.
    var listElements: ValueList? {
        switch self {
        case .list(let a): return ValueList(a)
        case .jsonArray(let a): return ValueList(json: a)
        default: return nil
        }
    }

    /// The entries of a mapping (template dict or JSON object); nil for anything else.
    var mappingEntries: [PyDict.Entry]? {
        switch self {
        case .dict(let d): return d.entries
        case .jsonObject(let o): return o.map { PyDict.Entry(key: .string($0.key), value: Value(json: $0.value)) }
        default: return nil
        }
    }

    var isMapping: Bool {
        switch self {
        case .dict, .jsonObject: return true
        default: return false
        }
    }

    enum Comparison: String {
        case lt = "<", le = "<=", gt = ">", ge = ">="
    }

    /// Python `<`, `<=`, `>`, `>=`; TypeError for unorderable operands.
    func compare(_ op: Comparison, _ other: Value) throws(JinjaError) -> Bool {
        if case .undefined(let u) = self { throw u.error }
        if case .undefined(let u) = other { throw u.error }
        let order = try threeWay(other, op: op)
        switch op {
        case .lt: return order < 0
        case .le: return order <= 0
        case .gt: return order > 0
        case .ge: return order >= 0
        }
    }

    /// -1, 0 or 1; for floats with NaN the comparison is false either way, which -2 (unordered) models.
    private func threeWay(_ other: Value, op: Comparison) throws(JinjaError) -> Int {
        if let a = number, let b = other.number {
            switch (a, b) {
            case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
            default:
                let x = a.double, y = b.double
                if x.isNaN || y.isNaN { return op == .lt || op == .le ? 2 : -2 }
                return x < y ? -1 : (x == y ? 0 : 1)
            }
        }
        if let a = stringValue, let b = other.stringValue {
            if a.codePointsEqual(b) { return 0 }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) ? -1 : 1
        }
        let sequences: (ValueList, ValueList)?
        switch (self, other) {
        case (.tuple(let a), .tuple(let b)): sequences = (ValueList(a), ValueList(b))
        case (.list, .list), (.list, .jsonArray), (.jsonArray, .list), (.jsonArray, .jsonArray):
            sequences = listElements.flatMap { a in other.listElements.map { (a, $0) } }
        default: sequences = nil
        }
        guard let (a, b) = sequences else {
            throw JinjaError(.type, "'\(op.rawValue)' not supported between instances of '\(typeName)' and '\(other.typeName)'")
        }
        for i in 0..<min(a.count, b.count) where !a[i].pythonEquals(b[i]) {
            return try a[i].threeWay(b[i], op: op)
        }
        return a.count < b.count ? -1 : (a.count == b.count ? 0 : 1)
    }

    /// Python `a < b` as a sort predicate.
    func pythonLess(_ other: Value) throws(JinjaError) -> Bool { try compare(.lt, other) }
}

// MARK: - len, iteration, membership

extension Value {
    /// Python `len(x)`.
    func length() throws(JinjaError) -> Int {
        switch self {
        case .string(let s), .markup(let s): return s.unicodeScalars.count
        case .list(let a), .tuple(let a): return a.count
        case .jsonArray(let a): return a.count
        case .dict(let d): return d.count
        case .jsonObject(let o): return o.count
        case .undefined: return 0
        case .object(let o):
            if let n = o.length { return n }
            throw JinjaError(.type, "object of type '\(typeName)' has no len()")
        default:
            throw JinjaError(.type, "object of type '\(typeName)' has no len()")
        }
    }

    /// What `for x in value` walks: elements, dict keys, characters; empty for Undefined.
    func iterate() throws(JinjaError) -> ValueList {
        switch self {
        case .list(let a), .tuple(let a): return ValueList(a)
        case .jsonArray(let a): return ValueList(json: a)
        case .dict(let d): return ValueList(d.entries.map(\.key))
        case .jsonObject(let o): return ValueList(o.map { Value.string($0.key) })
        case .string(let s): return ValueList(s.unicodeScalars.map { Value.string(String($0)) })
        case .markup(let s): return ValueList(s.unicodeScalars.map { Value.markup(String($0)) })
        case .undefined: return ValueList([])
        case .object(let o):
            if let items = try o.iterate() { return items }
            throw JinjaError(.type, "'\(typeName)' object is not iterable")
        default:
            throw JinjaError(.type, "'\(typeName)' object is not iterable")
        }
    }

    /// Python `item in self`.
    func contains(_ item: Value) throws(JinjaError) -> Bool {
        switch self {
        case .string(let s), .markup(let s):
            guard let needle = item.stringValue else {
                if case .undefined(let u) = item { throw u.error }
                throw JinjaError(.type, "'in <string>' requires string as left operand, not \(item.typeName)")
            }
            return s.utf8Contains(needle)
        case .jsonObject(let o):
            guard case .string(let key) = item.normalizedKey else { return false }
            return o[key] != nil
        case .dict(let d): return d[item] != nil
        case .jsonArray(let a):
            if case .string(let needle) = item {
                return a.contains { if case .string(let s) = $0 { return s == needle } else { return false } }
            }
            return a.contains { Value(json: $0).pythonEquals(item) }
        case .list(let a), .tuple(let a): return a.contains { $0.pythonEquals(item) }
        case .undefined: return false
        case .object(let o):
            if let items = try o.iterate() { return items.contains { $0.pythonEquals(item) } }
            throw JinjaError(.type, "argument of type '\(typeName)' is not iterable")
        default:
            throw JinjaError(.type, "argument of type '\(typeName)' is not iterable")
        }
    }

    /// Markup keys look up like the plain strings they equal.
    var normalizedKey: Value {
        if case .markup(let s) = self { return .string(s) }
        return self
    }
}
