/// A test implementation, boxed so calls go straight to the closure (no reabstraction thunks).
final class TestFunction: Sendable {
    let name: String
    let body: Tests.Function

    init(_ name: String, _ body: @escaping Tests.Function) {
        self.name = name
        self.body = body
    }

    @inline(__always)
    func callAsFunction(_ r: Renderer, _ value: Value, _ args: Arguments) throws(JinjaError) -> Bool {
        try body(r, value, args)
    }
}

/// jinja2's builtin tests (`x is defined`, `x is string`, …), with Python's notion of each type.
enum Tests {
    typealias Function = @Sendable (Renderer, Value, Arguments) throws(JinjaError) -> Bool

    static func lookup(_ name: String) -> TestFunction? { all[name] }

    static let all: [String: TestFunction] = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })

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

    private static let entries: [TestFunction] = [
        TestFunction("defined") { _, v, _ in !v.isUndefined },
        TestFunction("undefined") { _, v, _ in v.isUndefined },
        TestFunction("none") { _, v, _ in v.isNone },
        TestFunction("boolean") { _, v, _ in isBool(v, nil) },
        TestFunction("false") { _, v, _ in isBool(v, false) },
        TestFunction("true") { _, v, _ in isBool(v, true) },
        TestFunction("integer") { _, v, _ in
            switch v {
            case .int, .bigInt: return true
            default: return false
            }
        },
        TestFunction("float") { _, v, _ in
            if case .float = v { return true }
            return false
        },
        TestFunction("number") { _, v, _ in v.isNumber },
        TestFunction("string") { _, v, _ in v.stringValue != nil },
        TestFunction("mapping") { _, v, _ in v.isMapping },
        TestFunction("sequence") { _, v, _ in isSequence(v) },
        TestFunction("iterable") { _, v, _ in isIterable(v) },
        TestFunction("callable") { _, v, _ in
            if case .object(let o) = v { return o.isCallable }
            return false
        },
        TestFunction("odd") { _, v, _ throws(JinjaError) in try modulo(v, .int(2)).pythonEquals(.int(1)) },
        TestFunction("even") { _, v, _ throws(JinjaError) in try modulo(v, .int(2)).pythonEquals(.int(0)) },
        TestFunction("divisibleby") { _, v, args throws(JinjaError) in
            try modulo(v, try one("divisibleby", args)).pythonEquals(.int(0))
        },
        TestFunction("lower") { _, v, _ throws(JinjaError) in try caseTest("islower", v) },
        TestFunction("upper") { _, v, _ throws(JinjaError) in try caseTest("isupper", v) },
        TestFunction("escaped") { _, v, _ in v.isMarkup },
        TestFunction("sameas") { _, v, args throws(JinjaError) in sameAs(v, try one("sameas", args)) },
        TestFunction("in") { _, v, args throws(JinjaError) in try one("in", args).contains(v) },
        TestFunction("filter") { _, v, _ in v.stringValue.map { Filters.lookup($0) != nil } ?? false },
        TestFunction("test") { _, v, _ in v.stringValue.map { Tests.lookup($0) != nil } ?? false },
        TestFunction("==", compare(.eq)), TestFunction("eq", compare(.eq)), TestFunction("equalto", compare(.eq)),
        TestFunction("!=", compare(.ne)), TestFunction("ne", compare(.ne)),
        TestFunction(">", compare(.gt)), TestFunction("gt", compare(.gt)), TestFunction("greaterthan", compare(.gt)),
        TestFunction(">=", compare(.ge)), TestFunction("ge", compare(.ge)),
        TestFunction("<", compare(.lt)), TestFunction("lt", compare(.lt)), TestFunction("lessthan", compare(.lt)),
        TestFunction("<=", compare(.le)), TestFunction("le", compare(.le)),
    ]
}
