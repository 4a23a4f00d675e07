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
