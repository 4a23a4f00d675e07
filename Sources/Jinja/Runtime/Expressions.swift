import JSON

/// A compiled expression. Subclasses evaluate themselves; the tree is immutable once compiled, so one
/// template renders on many threads at once.
class Expr: @unchecked Sendable {
    /// UTF-8 offset in the source, for error locations.
    let offset: Int

    init(offset: Int) { self.offset = offset }

    func eval(_ r: Renderer) throws(JinjaError) -> Value {
        throw JinjaError(.runtime, "expression cannot be evaluated", offset: offset)
    }

    /// The value when known at compile time.
    var constant: Value? { nil }

    /// Python truthiness of the value (tests and comparisons answer without making a bool value).
    func isTrue(_ r: Renderer) throws(JinjaError) -> Bool {
        try eval(r).isTruthy
    }

    /// The value, or nil where `eval` would make an undefined value that nothing will use (for `is defined`
    /// and similar tests). Errors are the same as `eval`'s.
    func probe(_ r: Renderer) throws(JinjaError) -> Value? {
        let value = try eval(r)
        if case .undefined = value { return nil }
        return value
    }
}

final class ConstExpr: Expr, @unchecked Sendable {
    let value: Value

    init(_ value: Value, offset: Int) {
        self.value = value
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value { value }
    override var constant: Value? { value }
}

/// A variable read; `candidates` are the (frames up, slot) places the name may live in, innermost first,
/// filled in when parsing ends.
final class NameExpr: Expr, @unchecked Sendable {
    let name: String
    /// The (frames up, slot) places the name may live in, innermost first; filled in when parsing ends.
    var candidates: [(hops: Int, slot: Int)] = [] {
        didSet {
            first = candidates.first ?? (0, 0)
            hasMore = candidates.count > 1
        }
    }
    /// The first candidate, kept apart so the common one-place lookup reads no array.
    private var first: (hops: Int, slot: Int) = (0, 0)
    private var hasMore = false

    init(_ name: String, offset: Int) {
        self.name = name
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        if let value = lookup(r) { return value }
        return .undefined(Undefined(name: name))
    }

    override func probe(_ r: Renderer) throws(JinjaError) -> Value? {
        guard let value = lookup(r) else { return nil }
        if case .undefined = value { return nil }
        return value
    }

    /// Walks frames without retaining them: the renderer keeps every frame on the chain alive.
    @inline(__always)
    func lookup(_ r: Renderer) -> Value? {
        unowned(unsafe) var frame: Frame = r.frame
        var hopsDone = 0
        while hopsDone < first.hops {
            guard let parent = frame.parent else { return nil }
            frame = parent
            hopsDone += 1
        }
        if let value = frame.slots[first.slot] { return value }
        guard hasMore else { return nil }
        for (hops, slot) in candidates.dropFirst() {
            while hopsDone < hops {
                guard let parent = frame.parent else { return nil }
                frame = parent
                hopsDone += 1
            }
            if let value = frame.slots[slot] { return value }
        }
        return nil
    }
}

final class AttributeExpr: Expr, @unchecked Sendable {
    let object: Expr
    let name: String
    /// The name is no builtin type's attribute, so dicts can be looked up directly.
    let plain: Bool
    /// The undefined value of a missing key, made once ("'dict object' has no attribute 'name'").
    let missingOnDict: Value
    /// `loop.index` and friends, resolved once.
    let loopAttribute: LoopContext.Attribute?

    init(_ object: Expr, _ name: String, offset: Int) {
        self.object = object
        self.name = name
        plain = !Methods.isBuiltinAttributeName(name)
        missingOnDict = .undefined(Undefined(reason: .attribute(owner: "dict object", name: name)))
        loopAttribute = LoopContext.Attribute(rawValue: name)
        super.init(offset: offset)
    }

    override func probe(_ r: Renderer) throws(JinjaError) -> Value? {
        let base = try object.eval(r)
        if plain {
            switch base {
            case .jsonObject(let o): return Renderer.lookup(o, name).map(Value.init(json:))
            case .dict(let d): return d[name]
            default: break
            }
        }
        let value: Value
        do {
            value = try r.attribute(of: base, name, plain: plain)
        } catch {
            throw error.located(at: offset)
        }
        if case .undefined = value { return nil }
        return value
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let base = try object.eval(r)
        if let loopAttribute, case .object(let o) = base, type(of: o) == LoopContext.self {
            return unsafeDowncast(o, to: LoopContext.self).value(loopAttribute)
        }
        if plain {
            switch base {
            case .jsonObject(let o): return Renderer.lookup(o, name).map(Value.init(json:)) ?? missingOnDict
            case .dict(let d): return d[name] ?? missingOnDict
            default: break
            }
        }
        do {
            return try r.attribute(of: base, name, plain: plain)
        } catch {
            throw error.located(at: offset)
        }
    }
}

final class ItemExpr: Expr, @unchecked Sendable {
    let object: Expr
    let key: Expr

    init(_ object: Expr, _ key: Expr, offset: Int) {
        self.object = object
        self.key = key
        super.init(offset: offset)
    }

    override func probe(_ r: Renderer) throws(JinjaError) -> Value? {
        let base = try object.eval(r)
        let index = try key.eval(r)
        switch (base, index) {
        case (.jsonObject(let o), .string(let s)):
            if let v = Renderer.lookup(o, s) { return Value(json: v) }
            if !Methods.isBuiltinAttributeName(s) { return nil }
        case (.dict(let d), _):
            if let v = d[index.normalizedKey] { return v }
            guard case .string(let s) = index.normalizedKey, Methods.isBuiltinAttributeName(s) else { return nil }
        default:
            break
        }
        let value: Value
        do {
            value = try r.item(of: base, index)
        } catch {
            throw error.located(at: offset)
        }
        if case .undefined = value { return nil }
        return value
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let base = try object.eval(r)
        let index = try key.eval(r)
        do {
            return try r.item(of: base, index)
        } catch {
            throw error.located(at: offset)
        }
    }
}

final class SliceExpr: Expr, @unchecked Sendable {
    let object: Expr
    let start: Expr?
    let stop: Expr?
    let step: Expr?

    init(_ object: Expr, start: Expr?, stop: Expr?, step: Expr?, offset: Int) {
        self.object = object
        self.start = start
        self.stop = stop
        self.step = step
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let base = try object.eval(r)
        let bounds = (try start?.eval(r), try stop?.eval(r), try step?.eval(r))
        do {
            return try Slicing.slice(base, start: bounds.0, stop: bounds.1, step: bounds.2)
        } catch {
            throw error.located(at: offset)
        }
    }
}

/// One argument as written in a call.
enum ArgumentExpr {
    case positional(Expr)
    case keyword(String, Expr)
    case star(Expr)
    case starStar(Expr)
}

extension Array where Element == ArgumentExpr {
    func evaluate(_ r: Renderer) throws(JinjaError) -> Arguments {
        var arguments = Arguments()
        for argument in self {
            switch argument {
            case .positional(let e): arguments.positional.append(try e.eval(r))
            case .keyword(let name, let e): arguments.keywords.append((name, try e.eval(r)))
            case .star(let e):
                arguments.positional.append(contentsOf: try e.eval(r).iterate())
            case .starStar(let e):
                let value = try e.eval(r)
                guard let entries = value.mappingEntries else {
                    throw JinjaError(.type, "argument after ** must be a mapping, not \(value.typeName)", offset: e.offset)
                }
                for entry in entries {
                    guard case .string(let name) = entry.key.normalizedKey else {
                        throw JinjaError(.type, "keywords must be strings", offset: e.offset)
                    }
                    arguments.keywords.append((name, entry.value))
                }
            }
        }
        return arguments
    }
}

final class CallExpr: Expr, @unchecked Sendable {
    let callee: Expr
    let arguments: [ArgumentExpr]

    /// No `*`/`**` arguments: a macro callee can bind them straight into its frame.
    let directMacroCall: Bool

    init(_ callee: Expr, _ arguments: [ArgumentExpr], offset: Int) {
        self.callee = callee
        self.arguments = arguments
        directMacroCall = arguments.allSatisfy {
            switch $0 {
            case .positional, .keyword: return true
            case .star, .starStar: return false
            }
        }
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        do {
            if let method = callee as? AttributeExpr {
                // `x.name(...)`: call builtin methods without making a bound-method object.
                let receiver = try method.object.eval(r)
                let args = try arguments.evaluate(r)
                return try r.callMethod(receiver, method.name, args)
            }
            let function = try callee.eval(r)
            if directMacroCall, case .object(let object) = function, let macro = object as? Macro {
                return try macro.callDirect(arguments, r)
            }
            let args = try arguments.evaluate(r)
            return try r.call(function, args)
        } catch {
            // A method call fails at the method's name.
            throw error.located(at: (callee as? AttributeExpr)?.offset ?? offset)
        }
    }
}

final class FilterExpr: Expr, @unchecked Sendable {
    /// nil inside `{% filter %}` blocks, where the block's output is the input.
    let input: Expr?
    let name: String
    let function: FilterFunction?
    let arguments: [ArgumentExpr]

    init(_ input: Expr?, name: String, function: FilterFunction?, arguments: [ArgumentExpr], offset: Int) {
        self.input = input
        self.name = name
        self.function = function
        self.arguments = arguments
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let value = try input?.eval(r) ?? .undefined(Undefined(reason: .plain))
        return try apply(to: value, r)
    }

    func apply(to value: Value, _ r: Renderer) throws(JinjaError) -> Value {
        guard let function else {
            throw JinjaError(.runtime, "No filter named '\(name)' found.", offset: offset)
        }
        do {
            let args = try arguments.evaluate(r)
            return try function(r, value, args)
        } catch {
            throw error.located(at: offset)
        }
    }
}

final class TestExpr: Expr, @unchecked Sendable {
    let input: Expr
    let name: String
    let function: TestFunction?
    let arguments: [ArgumentExpr]

    /// Tests that never use an undefined input beyond noticing it is undefined, so which undefined value it is
    /// does not matter and none needs to be made.
    let acceptsAnyUndefined: Bool
    private static let undefinedAgnostic: Set<String> = [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
        "mapping", "sequence", "iterable", "callable", "escaped",
    ]

    init(_ input: Expr, name: String, function: TestFunction?, arguments: [ArgumentExpr], offset: Int) {
        self.input = input
        self.name = name
        self.function = function
        self.arguments = arguments
        acceptsAnyUndefined = TestExpr.undefinedAgnostic.contains(name)
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        .bool(try test(r))
    }

    override func isTrue(_ r: Renderer) throws(JinjaError) -> Bool { try test(r) }

    func test(_ r: Renderer) throws(JinjaError) -> Bool {
        guard let function else {
            throw JinjaError(.runtime, "No test named '\(name)' found.", offset: offset)
        }
        let value: Value
        if acceptsAnyUndefined {
            value = try input.probe(r) ?? Value.missing
        } else {
            value = try input.eval(r)
        }
        do {
            let args = try arguments.evaluate(r)
            return try function(r, value, args)
        } catch {
            throw error.located(at: offset)
        }
    }
}

final class NotExpr: Expr, @unchecked Sendable {
    let operand: Expr

    init(_ operand: Expr, offset: Int) {
        self.operand = operand
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        .bool(!(try operand.eval(r).isTruthy))
    }

    override func isTrue(_ r: Renderer) throws(JinjaError) -> Bool { !(try operand.isTrue(r)) }
}

final class NegateExpr: Expr, @unchecked Sendable {
    let operand: Expr
    let isPlus: Bool

    init(_ operand: Expr, isPlus: Bool, offset: Int) {
        self.operand = operand
        self.isPlus = isPlus
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let value = try operand.eval(r)
        do {
            return try isPlus ? Operators.plus(value) : Operators.negate(value)
        } catch {
            throw error.located(at: offset)
        }
    }
}

final class BinaryExpr: Expr, @unchecked Sendable {
    enum Op: String {
        case add = "+", sub = "-", mul = "*", div = "/", floorDiv = "//", mod = "%", pow = "**"
    }

    let op: Op
    let left: Expr
    let right: Expr

    init(_ op: Op, _ left: Expr, _ right: Expr, offset: Int) {
        self.op = op
        self.left = left
        self.right = right
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let a = try left.eval(r)
        let b = try right.eval(r)
        do {
            return try Operators.binary(op, a, b, limit: r.options.limits.maxOutputBytes)
        } catch {
            throw error.located(at: offset)
        }
    }
}

/// `a + b + c + …` (left-associative): strings accumulate in one buffer instead of a new string per `+`;
/// anything else goes through Python's `+` one operand at a time, in the same order and with the same errors.
final class AddChainExpr: Expr, @unchecked Sendable {
    let operands: [Expr]
    /// The offset of each `+` (the first entry is unused).
    let operatorOffsets: [Int]

    init(_ operands: [Expr], operatorOffsets: [Int]) {
        self.operands = operands
        self.operatorOffsets = operatorOffsets
        super.init(offset: operands[0].offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let limit = r.options.limits.maxOutputBytes
        var accumulated = try operands[0].eval(r)
        var i = 1
        if case .string(let first) = accumulated {
            var buffer = first
            accumulated = .none
            while i < operands.count {
                let next = try operands[i].eval(r)
                i += 1
                if case .string(let s) = next {
                    buffer += s
                    if buffer.utf8.count > limit { throw Operators.sizeLimit(limit).located(at: operatorOffsets[i - 1]) }
                    continue
                }
                do {
                    accumulated = try Operators.binary(.add, .string(buffer), next, limit: limit)
                } catch {
                    throw error.located(at: operatorOffsets[i - 1])
                }
                break
            }
            if case .none = accumulated { return .string(buffer) }
        }
        while i < operands.count {
            let next = try operands[i].eval(r)
            do {
                accumulated = try Operators.binary(.add, accumulated, next, limit: limit)
            } catch {
                throw error.located(at: operatorOffsets[i])
            }
            i += 1
        }
        return accumulated
    }
}

extension AddChainExpr {
    /// Writes the chain's value to the output, appending string operands as they come; when an operand is not
    /// a string, the text written so far is taken back and the chain continues with Python's `+`.
    func stream(_ r: Renderer) throws(JinjaError) {
        let start = r.output.count
        var i = 0
        while i < operands.count {
            let value = try operands[i].eval(r)
            if case .string(let s) = value {
                r.output.append(s)
                i += 1
                continue
            }
            var accumulated = value
            if i > 0 {
                let prefix = r.output.string(from: start)
                r.output.truncate(to: start)
                do {
                    accumulated = try Operators.binary(.add, .string(prefix), value, limit: r.maxOutputBytes)
                } catch {
                    throw error.located(at: operatorOffsets[i])
                }
            }
            i += 1
            while i < operands.count {
                let next = try operands[i].eval(r)
                do {
                    accumulated = try Operators.binary(.add, accumulated, next, limit: r.maxOutputBytes)
                } catch {
                    throw error.located(at: operatorOffsets[i])
                }
                i += 1
            }
            do {
                try r.write(accumulated)
            } catch {
                throw error.located(at: offset)
            }
            return
        }
        try r.checkOutputSize()
    }
}

extension ConcatExpr {
    /// Writes `str()` of each part to the output (autoescape off).
    func stream(_ r: Renderer) throws(JinjaError) {
        for part in parts {
            let value = try part.eval(r)
            switch value {
            case .string(let s), .markup(let s): r.output.append(s)
            case .undefined: break
            default:
                var text = ""
                try value.appendStr(to: &text)
                r.output.append(text)
            }
            try r.checkOutputSize()
        }
    }
}

/// `a ~ b ~ c`: the `str()` of each joined (a plain string, even from Markup, when autoescape is off).
final class ConcatExpr: Expr, @unchecked Sendable {
    let parts: [Expr]

    init(_ parts: [Expr], offset: Int) {
        self.parts = parts
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        var out = ""
        var escaped = false
        for part in parts {
            let value = try part.eval(r)
            if r.autoescape {
                escaped = true
                if case .markup(let s) = value { out += s } else { out += PythonRepr.htmlEscape(try value.str()) }
            } else {
                try value.appendStr(to: &out)
            }
            if out.utf8.count > r.options.limits.maxOutputBytes {
                throw Operators.sizeLimit(r.options.limits.maxOutputBytes).located(at: offset)
            }
        }
        return escaped ? .markup(out) : .string(out)
    }
}

final class AndExpr: Expr, @unchecked Sendable {
    let left: Expr
    let right: Expr

    init(_ left: Expr, _ right: Expr, offset: Int) {
        self.left = left
        self.right = right
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let a = try left.eval(r)
        return a.isTruthy ? try right.eval(r) : a
    }

    override func isTrue(_ r: Renderer) throws(JinjaError) -> Bool {
        guard try left.isTrue(r) else { return false }
        return try right.isTrue(r)
    }
}

final class OrExpr: Expr, @unchecked Sendable {
    let left: Expr
    let right: Expr

    init(_ left: Expr, _ right: Expr, offset: Int) {
        self.left = left
        self.right = right
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let a = try left.eval(r)
        return a.isTruthy ? a : try right.eval(r)
    }

    override func isTrue(_ r: Renderer) throws(JinjaError) -> Bool {
        if try left.isTrue(r) { return true }
        return try right.isTrue(r)
    }
}

final class CompareExpr: Expr, @unchecked Sendable {
    enum Op {
        case eq, ne, lt, le, gt, ge, `in`, notIn
    }

    let first: Expr
    let rest: [(Op, Expr)]

    /// Set for the common `x == 'text'` / `x != 'text'`.
    private let constantString: String?

    init(_ first: Expr, _ rest: [(Op, Expr)], offset: Int) {
        self.first = first
        self.rest = rest
        if rest.count == 1, rest[0].0 == .eq || rest[0].0 == .ne, case .string(let s)? = rest[0].1.constant {
            constantString = s
        } else {
            constantString = nil
        }
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value { .bool(try isTrue(r)) }

    override func isTrue(_ r: Renderer) throws(JinjaError) -> Bool {
        if let constant = constantString {
            // `x == 'text'` / `x != 'text'`: compare in place, without evaluating the constant.
            let left = try first.eval(r)
            let equal: Bool
            switch left {
            case .string(let s), .markup(let s): equal = s.codePointsEqual(constant)
            default: equal = false
            }
            return equal == (rest[0].0 == .eq)
        }
        var left = try first.eval(r)
        for (op, expr) in rest {
            let right = try expr.eval(r)
            let holds: Bool
            do {
                holds = try CompareExpr.holds(op, left, right)
            } catch {
                throw error.located(at: offset)
            }
            if !holds { return false }
            left = right
        }
        return true
    }

    static func holds(_ op: Op, _ a: Value, _ b: Value) throws(JinjaError) -> Bool {
        switch op {
        case .eq: return a.pythonEquals(b)
        case .ne: return !a.pythonEquals(b)
        case .lt: return try a.compare(.lt, b)
        case .le: return try a.compare(.le, b)
        case .gt: return try a.compare(.gt, b)
        case .ge: return try a.compare(.ge, b)
        case .in: return try b.contains(a)
        case .notIn: return !(try b.contains(a))
        }
    }
}

final class ConditionalExpr: Expr, @unchecked Sendable {
    let condition: Expr
    let then: Expr
    let otherwise: Expr?
    let line: Int

    init(condition: Expr, then: Expr, otherwise: Expr?, line: Int, offset: Int) {
        self.condition = condition
        self.then = then
        self.otherwise = otherwise
        self.line = line
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        if try condition.eval(r).isTruthy { return try then.eval(r) }
        if let otherwise { return try otherwise.eval(r) }
        return .undefined(Undefined(reason: .hint(
            "the inline if-expression on line \(line) evaluated to false and no else section was defined.")))
    }
}

final class ListExpr: Expr, @unchecked Sendable {
    let elements: [Expr]
    let isTuple: Bool

    init(_ elements: [Expr], isTuple: Bool, offset: Int) {
        self.elements = elements
        self.isTuple = isTuple
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        var values: [Value] = []
        values.reserveCapacity(elements.count)
        for element in elements { values.append(try element.eval(r)) }
        return isTuple ? .tuple(values) : .list(values)
    }
}

final class DictExpr: Expr, @unchecked Sendable {
    let entries: [(key: Expr, value: Expr)]

    init(_ entries: [(key: Expr, value: Expr)], offset: Int) {
        self.entries = entries
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        var dict = PyDict()
        for entry in entries {
            let key = try entry.key.eval(r)
            do {
                try Operators.checkHashable(key)
            } catch {
                throw error.located(at: entry.key.offset)
            }
            dict[key.normalizedKey] = try entry.value.eval(r)
        }
        return .dict(dict)
    }
}
