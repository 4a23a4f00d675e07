import JSON

/// Python methods of str, dict, list and tuple as the immutable sandbox exposes them: read-only methods are
/// callable, mutating ones (`append`, `update`, …) are unsafe and raise SecurityError when used.
enum Methods {
    static let dictMethods: Set<String> = ["copy", "fromkeys", "get", "items", "keys", "values"]
    static let unsafeDictMethods: Set<String> = ["clear", "pop", "popitem", "setdefault", "update"]
    static let listMethods: Set<String> = ["copy", "count", "index"]
    static let unsafeListMethods: Set<String> = ["append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"]
    static let tupleMethods: Set<String> = ["count", "index"]

    static let numberNames: Set<String> = ["real", "imag", "numerator", "denominator", "bit_length", "conjugate",
                                           "is_integer"]

    /// Every attribute name of any builtin value type.
    static let allNames: Set<String> = StringMethods.names.union(dictMethods).union(unsafeDictMethods)
        .union(listMethods).union(unsafeListMethods).union(tupleMethods).union(numberNames)

    /// Every name that is a Python attribute of some builtin value type (or a dunder).
    static func isBuiltinAttributeName(_ name: String) -> Bool {
        name.isDunder || allNames.contains(name)
    }

    /// The sandbox's refusal: an undefined value that raises SecurityError when used.
    static func unsafe(_ base: Value, _ name: String) -> Value {
        .undefined(Undefined(reason: .unsafe(
            "access to attribute '\(name)' of '\(base.typeName)' object is unsafe.")))
    }

    /// The Python attribute `name` of a builtin value (a bound method or the sandbox's refusal), or nil when
    /// the type has no such attribute.
    static func attribute(of base: Value, _ name: String) -> Value? {
        if name.isDunder { return unsafe(base, name) }
        guard allNames.contains(name) else { return nil }
        let known: Bool
        switch base {
        case .string, .markup:
            known = StringMethods.names.contains(name)
        case .dict, .jsonObject:
            if unsafeDictMethods.contains(name) { return unsafe(base, name) }
            known = dictMethods.contains(name)
        case .list, .jsonArray:
            if unsafeListMethods.contains(name) { return unsafe(base, name) }
            known = listMethods.contains(name)
        case .tuple:
            known = tupleMethods.contains(name)
        case .int, .bool, .bigInt, .float:
            if let value = numberAttribute(base, name) { return value }
            known = numberMethods(base).contains(name)
        default:
            known = false
        }
        return known ? .object(BoundMethod(receiver: base, name: name)) : nil
    }

    /// Calls a builtin method directly; nil when `name` is not one (the caller falls back to attribute + call).
    static func call(_ receiver: Value, _ name: String, _ args: Arguments, _ r: Renderer) throws(JinjaError) -> Value? {
        switch receiver {
        case .string(let s): return try StringMethods.call(s, markup: false, name, args, r)
        case .markup(let s): return try StringMethods.call(s, markup: true, name, args, r)
        case .dict, .jsonObject: return try dictMethod(receiver, name, args)
        case .list, .jsonArray, .tuple: return try sequenceMethod(receiver, name, args)
        case .int, .bool, .bigInt, .float: return try numberMethod(receiver, name, args)
        default: return nil
        }
    }

    private static func numberMethods(_ n: Value) -> Set<String> {
        if case .float = n { return ["conjugate", "is_integer"] }
        return ["bit_length", "conjugate"]
    }

    /// `real`, `imag`, `numerator`, `denominator` of ints and floats.
    private static func numberAttribute(_ n: Value, _ name: String) -> Value? {
        let isFloat: Bool
        if case .float = n { isFloat = true } else { isFloat = false }
        let asNumber: Value
        switch n {
        case .bool(let b): asNumber = .int(b ? 1 : 0)
        default: asNumber = n
        }
        switch name {
        case "real": return asNumber
        case "imag": return isFloat ? .float(0) : .int(0)
        case "numerator" where !isFloat: return asNumber
        case "denominator" where !isFloat: return .int(1)
        default: return nil
        }
    }

    private static func numberMethod(_ n: Value, _ name: String, _ args: Arguments) throws(JinjaError) -> Value? {
        guard numberMethods(n).contains(name) else { return nil }
        _ = try args.bind(name, [])
        switch (name, n) {
        case ("is_integer", .float(let d)): return .bool(d.isFinite && d == d.rounded())
        case ("bit_length", .int(let i)): return .int(i == 0 ? 0 : Int.bitWidth - i.magnitude.leadingZeroBitCount)
        case ("bit_length", .bool(let b)): return .int(b ? 1 : 0)
        case ("bit_length", .bigInt(let s)):
            return .int(Int((Double(s.hasPrefix("-") ? String(s.dropFirst()) : s) ?? 0).exponent) + 1)
        case ("conjugate", .bool(let b)): return .int(b ? 1 : 0)
        default: return n
        }
    }

    private static func dictMethod(_ d: Value, _ name: String, _ args: Arguments) throws(JinjaError) -> Value? {
        switch name {
        case "get":
            let bound = try args.bind("get", ["key", "default"], required: 1)
            let key = bound[0] ?? Value.none
            switch d {
            case .jsonObject(let o):
                if case .string(let s) = key.normalizedKey, let v = o[s] { return Value(json: v) }
            case .dict(let dict):
                try Operators.checkHashable(key)
                if let v = dict[key.normalizedKey] { return v }
            default: break
            }
            return bound[1] ?? Value.none
        case "items":
            _ = try args.bind("items", [])
            return .object(SequenceObject(.dictItems, items(of: d)))
        case "keys":
            _ = try args.bind("keys", [])
            return .object(SequenceObject(.dictKeys, (d.mappingEntries ?? []).map(\.key)))
        case "values":
            _ = try args.bind("values", [])
            switch d {
            case .jsonObject(let o): return .object(SequenceObject(.dictValues, o.map { Value(json: $0.value) }))
            default: return .object(SequenceObject(.dictValues, (d.mappingEntries ?? []).map(\.value)))
            }
        case "copy":
            _ = try args.bind("copy", [])
            return d
        case "fromkeys":
            return try fromKeys(args)
        default:
            return nil
        }
    }

    /// `dict.items()`: (key, value) tuples, made only when read.
    static func items(of d: Value) -> ValueList {
        switch d {
        case .jsonObject(let o): return ValueList(entriesOf: o)
        case .dict(let dict): return ValueList(entriesOf: dict)
        default: return ValueList([])
        }
    }

    static func fromKeys(_ args: Arguments) throws(JinjaError) -> Value {
        let bound = try args.bind("fromkeys", ["iterable", "value"], required: 1)
        var dict = PyDict()
        for key in try (bound[0] ?? Value.none).iterate() {
            try Operators.checkHashable(key)
            dict[key.normalizedKey] = bound[1] ?? Value.none
        }
        return .dict(dict)
    }

    private static func sequenceMethod(_ s: Value, _ name: String, _ args: Arguments) throws(JinjaError) -> Value? {
        let elements: ValueList
        switch s {
        case .tuple(let t): elements = ValueList(t)
        default: elements = s.listElements ?? ValueList([])
        }
        switch name {
        case "count":
            let bound = try args.bind("count", ["value"], required: 1)
            let needle = bound[0] ?? Value.none
            return .int(elements.reduce(0) { $0 + ($1.pythonEquals(needle) ? 1 : 0) })
        case "index":
            let bound = try args.bind("index", ["value", "start", "stop"], required: 1)
            let needle = bound[0] ?? Value.none
            let positions = try Slicing.positions(length: elements.count, start: bound[1], stop: bound[2], step: nil)
            for i in positions where elements[i].pythonEquals(needle) { return .int(i) }
            throw JinjaError(.value, "\(try needle.repr()) is not in \(s.typeName)")
        case "copy" where s.listElements != nil:
            _ = try args.bind("copy", [])
            return s
        default:
            return nil
        }
    }
}

/// A method bound to its receiver (`d.items` without calling it).
final class BoundMethod: RuntimeObject, @unchecked Sendable {
    let receiver: Value
    let name: String

    init(receiver: Value, name: String) {
        self.receiver = receiver
        self.name = name
    }

    override var typeName: String { "builtin_function_or_method" }
    override var repr: String { "<built-in method \(name) of \(receiver.typeName) object>" }
    override var isCallable: Bool { true }

    override func call(_ arguments: Arguments, in renderer: Renderer) throws(JinjaError) -> Value {
        try renderer.callMethod(receiver, name, arguments)
    }
}
