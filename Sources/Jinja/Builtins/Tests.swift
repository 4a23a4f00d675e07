/// jinja2's builtin tests (`x is defined`, `x is string`, …), with Python's notion of each type.
enum Tests {
    typealias Function = @Sendable (Renderer, Value, Arguments) throws(JinjaError) -> Bool

    static func lookup(_ name: String) -> Function? { all[name] }

    static let all: [String: Function] = Dictionary(entries, uniquingKeysWith: { first, _ in first })

    private static func one(_ name: String, _ args: Arguments) throws(JinjaError) -> Value {
        let bound = try args.bind(name, ["other"], required: 1)
        return bound[0] ?? Value.none
    }

    private static func compare(_ op: CompareExpr.Op) -> Function {
        { _, value, args throws(JinjaError) in try CompareExpr.holds(op, value, try one("compare", args)) }
    }

    private static func isBool(_ v: Value, _ expected: Bool?) -> Bool {
        guard case .bool(let b) = v else { return false }
        return expected.map { $0 == b } ?? true
    }

    /// Python sequences have len() and __getitem__: str, list, tuple, dict, range, and jinja2's Undefined.
    private static func isSequence(_ v: Value) -> Bool {
        switch v {
        case .string, .markup, .list, .jsonArray, .tuple, .dict, .jsonObject, .undefined: return true
        case .object(let o):
            if let s = o as? SequenceObject, case .range = s.kind { return true }
            return o is GroupTuple
        default: return false
        }
    }

    private static func isIterable(_ v: Value) -> Bool {
        switch v {
        case .string, .markup, .list, .jsonArray, .tuple, .dict, .jsonObject, .undefined: return true
        case .object(let o): return o is SequenceObject || o is GroupTuple
        default: return false
        }
    }

    private static func sameAs(_ v: Value, _ other: Value) -> Bool {
        switch (v, other) {
        case (.none, .none): return true
        case (.bool(let a), .bool(let b)): return a == b
        // CPython caches small ints, so `is` holds for equal ones in [-5, 256].
        case (.int(let a), .int(let b)): return a == b && a >= -5 && a <= 256
        case (.object(let a), .object(let b)): return a === b
        case (.string(let a), .string(let b)): return a.codePointsEqual(b)
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)): return sameStorage(a, b)
        case (.jsonArray(let a), .jsonArray(let b)): return sameStorage(a, b)
        case (.jsonObject(let a), .jsonObject(let b)): return sameStorage(a.entries, b.entries)
        case (.dict(let a), .dict(let b)): return sameStorage(a.entries, b.entries)
        default: return false
        }
    }

    /// Python identity for containers: the same storage (our containers are never copied while shared).
    private static func sameStorage<T>(_ a: [T], _ b: [T]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
    }

    private static func modulo(_ v: Value, _ divisor: Value) throws(JinjaError) -> Value {
        try Operators.arithmetic(.mod, v, divisor)
    }

    private static func caseTest(_ predicate: String, _ v: Value) throws(JinjaError) -> Bool {
        let text = try v.str()
        return StringMethods.predicate(predicate)?(text) ?? false
    }

    private static let entries: [(String, Function)] = [
        ("defined", { _, v, _ in !v.isUndefined }),
        ("undefined", { _, v, _ in v.isUndefined }),
        ("none", { _, v, _ in v.isNone }),
        ("boolean", { _, v, _ in isBool(v, nil) }),
        ("false", { _, v, _ in isBool(v, false) }),
        ("true", { _, v, _ in isBool(v, true) }),
        ("integer", { _, v, _ in
            switch v {
            case .int, .bigInt: return true
            default: return false
            }
        }),
        ("float", { _, v, _ in
            if case .float = v { return true }
            return false
        }),
        ("number", { _, v, _ in v.isNumber }),
        ("string", { _, v, _ in v.stringValue != nil }),
        ("mapping", { _, v, _ in v.isMapping }),
        ("sequence", { _, v, _ in isSequence(v) }),
        ("iterable", { _, v, _ in isIterable(v) }),
        ("callable", { _, v, _ in
            if case .object(let o) = v { return o.isCallable }
            return false
        }),
        ("odd", { _, v, _ throws(JinjaError) in try modulo(v, .int(2)).pythonEquals(.int(1)) }),
        ("even", { _, v, _ throws(JinjaError) in try modulo(v, .int(2)).pythonEquals(.int(0)) }),
        ("divisibleby", { _, v, args throws(JinjaError) in
            try modulo(v, try one("divisibleby", args)).pythonEquals(.int(0))
        }),
        ("lower", { _, v, _ throws(JinjaError) in try caseTest("islower", v) }),
        ("upper", { _, v, _ throws(JinjaError) in try caseTest("isupper", v) }),
        ("escaped", { _, v, _ in v.isMarkup }),
        ("sameas", { _, v, args throws(JinjaError) in sameAs(v, try one("sameas", args)) }),
        ("in", { _, v, args throws(JinjaError) in try one("in", args).contains(v) }),
        ("filter", { _, v, _ in v.stringValue.map { Filters.lookup($0) != nil } ?? false }),
        ("test", { _, v, _ in v.stringValue.map { Tests.lookup($0) != nil } ?? false }),
        ("==", compare(.eq)), ("eq", compare(.eq)), ("equalto", compare(.eq)),
        ("!=", compare(.ne)), ("ne", compare(.ne)),
        (">", compare(.gt)), ("gt", compare(.gt)), ("greaterthan", compare(.gt)),
        (">=", compare(.ge)), ("ge", compare(.ge)),
        ("<", compare(.lt)), ("lt", compare(.lt)), ("lessthan", compare(.lt)),
        ("<=", compare(.le)), ("le", compare(.le)),
    ]
}
