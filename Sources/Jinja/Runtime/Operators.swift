import JSON

/// Python's arithmetic and sequence operators on template values.
enum Operators {
    static func binary(_ op: BinaryExpr.Op, _ a: Value, _ b: Value, limit: Int) throws(JinjaError) -> Value {
        if case .undefined(let u) = a { throw u.error }
        if case .undefined(let u) = b { throw u.error }
        switch op {
        case .add: return try add(a, b, limit: limit)
        case .sub: return try arithmetic(op, a, b)
        case .mul: return try multiply(a, b, limit: limit)
        case .div, .floorDiv, .pow: return try arithmetic(op, a, b)
        case .mod:
            if let format = a.stringValue {
                if case .markup = a { return .markup(try PythonFormat.percent(format, b, escape: true)) }
                return .string(try PythonFormat.percent(format, b, escape: false))
            }
            return try arithmetic(op, a, b)
        }
    }

    static func unsupported(_ op: String, _ a: Value, _ b: Value) -> JinjaError {
        JinjaError(.type, "unsupported operand type(s) for \(op): '\(a.typeName)' and '\(b.typeName)'")
    }

    static func add(_ a: Value, _ b: Value, limit: Int = Int.max) throws(JinjaError) -> Value {
        let result = try unboundedAdd(a, b)
        switch result {
        case .string(let s), .markup(let s):
            if s.utf8.count > limit { throw sizeLimit(limit) }
        case .list(let l), .tuple(let l):
            if l.count > limit / 16 { throw sizeLimit(limit) }
        case .jsonArray(let l):
            if l.count > limit / 16 { throw sizeLimit(limit) }
        default:
            break
        }
        return result
    }

    static func sizeLimit(_ limit: Int) -> JinjaError {
        JinjaError(.limit, "a value would exceed the output limit of \(limit) bytes")
    }

    private static func unboundedAdd(_ a: Value, _ b: Value) throws(JinjaError) -> Value {
        switch (a, b) {
        case (.string(let x), .string(let y)): return .string(x + y)
        case (.markup(let x), .markup(let y)): return .markup(x + y)
        case (.markup(let x), .string(let y)): return .markup(x + PythonRepr.htmlEscape(y))
        case (.string(let x), .markup(let y)): return .markup(PythonRepr.htmlEscape(x) + y)
        case (.string, _): throw JinjaError(.type, "can only concatenate str (not \"\(b.typeName)\") to str")
        case (.jsonArray(let x), .jsonArray(let y)): return .jsonArray(x + y)
        case (.list, .list), (.list, .jsonArray), (.jsonArray, .list):
            return .list((a.listElements?.array ?? []) + (b.listElements?.array ?? []))
        case (.list, _), (.jsonArray, _):
            throw JinjaError(.type, "can only concatenate list (not \"\(b.typeName)\") to list")
        case (.tuple(let x), .tuple(let y)): return .tuple(x + y)
        case (.tuple, _): throw JinjaError(.type, "can only concatenate tuple (not \"\(b.typeName)\") to tuple")
        default: return try arithmetic(.add, a, b)
        }
    }

    static func multiply(_ a: Value, _ b: Value, limit: Int) throws(JinjaError) -> Value {
        func repeatCount(_ v: Value) -> Int? {
            switch v {
            case .int(let i): return max(0, i)
            case .bool(let flag): return flag ? 1 : 0
            default: return nil
            }
        }
        func checkSize(_ unit: Int, _ count: Int) throws(JinjaError) {
            if unit > 0 && count > limit / unit {
                throw JinjaError(.limit, "repetition would exceed the output limit of \(limit) bytes")
            }
        }
        for (sequence, times) in [(a, b), (b, a)] {
            switch sequence {
            case .string(let s), .markup(let s):
                guard let n = repeatCount(times) else {
                    if times.isNumber || times.stringValue != nil || times.listElements != nil {
                        if times.isNumber { throw unsupported("*", a, b) }
                        throw JinjaError(.type, "can't multiply sequence by non-int of type '\(times.typeName)'")
                    }
                    throw JinjaError(.type, "can't multiply sequence by non-int of type '\(times.typeName)'")
                }
                try checkSize(s.utf8.count, n)
                let repeated = String(repeating: s, count: n)
                if case .markup = sequence { return .markup(repeated) }
                return .string(repeated)
            case .list, .jsonArray, .tuple:
                guard let n = repeatCount(times) else {
                    if times.isNumber { throw unsupported("*", a, b) }
                    throw JinjaError(.type, "can't multiply sequence by non-int of type '\(times.typeName)'")
                }
                let elements: [Value]
                if case .tuple(let t) = sequence { elements = t } else { elements = sequence.listElements?.array ?? [] }
                try checkSize(max(elements.count, 1) * 8, n)
                var out: [Value] = []
                out.reserveCapacity(elements.count * n)
                for _ in 0..<n { out.append(contentsOf: elements) }
                if case .tuple = sequence { return .tuple(out) }
                return .list(out)
            default:
                continue
            }
        }
        return try arithmetic(.mul, a, b)
    }

    /// Numeric operators with Python's int/float rules (bool counts as int).
    static func arithmetic(_ op: BinaryExpr.Op, _ a: Value, _ b: Value) throws(JinjaError) -> Value {
        guard let x = a.number, let y = b.number else { throw unsupported(op.rawValue, a, b) }
        if case .int(let i) = x, case .int(let j) = y {
            return try integer(op, i, j)
        }
        let p = x.double, q = y.double
        switch op {
        case .add: return .float(p + q)
        case .sub: return .float(p - q)
        case .mul: return .float(p * q)
        case .div:
            guard q != 0 else { throw JinjaError(.zeroDivision, "float division by zero") }
            return .float(p / q)
        case .floorDiv:
            guard q != 0 else { throw JinjaError(.zeroDivision, "float floor division by zero") }
            return .float(floorDivide(p, q))
        case .mod:
            guard q != 0 else { throw JinjaError(.zeroDivision, "float modulo") }
            return .float(floatModulo(p, q))
        case .pow:
            if p == 0 && q < 0 { throw JinjaError(.zeroDivision, "0.0 cannot be raised to a negative power") }
            if p < 0 && q != q.rounded() {
                throw JinjaError(.value, "math domain error (complex result)")
            }
            return .float(pow(p, q))
        }
    }

    private static func integer(_ op: BinaryExpr.Op, _ i: Int, _ j: Int) throws(JinjaError) -> Value {
        func checked(_ result: (partialValue: Int, overflow: Bool)) throws(JinjaError) -> Value {
            guard !result.overflow else { throw JinjaError(.overflow, "integer result too large") }
            return .int(result.partialValue)
        }
        switch op {
        case .add: return try checked(i.addingReportingOverflow(j))
        case .sub: return try checked(i.subtractingReportingOverflow(j))
        case .mul: return try checked(i.multipliedReportingOverflow(by: j))
        case .div:
            guard j != 0 else { throw JinjaError(.zeroDivision, "division by zero") }
            return .float(Double(i) / Double(j))
        case .floorDiv:
            guard j != 0 else { throw JinjaError(.zeroDivision, "integer division or modulo by zero") }
            if i == Int.min && j == -1 { throw JinjaError(.overflow, "integer result too large") }
            let q = i / j
            return .int((i % j != 0 && (i < 0) != (j < 0)) ? q - 1 : q)
        case .mod:
            guard j != 0 else { throw JinjaError(.zeroDivision, "integer modulo by zero") }
            if j == -1 { return .int(0) }
            let m = i % j
            return .int(m != 0 && (m < 0) != (j < 0) ? m + j : m)
        case .pow:
            if j < 0 {
                if i == 0 { throw JinjaError(.zeroDivision, "0.0 cannot be raised to a negative power") }
                return .float(pow(Double(i), Double(j)))
            }
            var result = 1
            var base = i
            var exponent = j
            while exponent > 0 {
                if exponent & 1 == 1 {
                    let (r, o) = result.multipliedReportingOverflow(by: base)
                    guard !o else { throw JinjaError(.overflow, "integer result too large") }
                    result = r
                }
                exponent >>= 1
                if exponent > 0 {
                    let (b, o) = base.multipliedReportingOverflow(by: base)
                    guard !o else { throw JinjaError(.overflow, "integer result too large") }
                    base = b
                }
            }
            return .int(result)
        }
    }

    static func power(_ a: Double, _ b: Double) -> Double { pow(a, b) }

    static func power10(_ n: Int) -> Double { pow(10, Double(n)) }

    static func floorDivide(_ p: Double, _ q: Double) -> Double {
        (p - floatModulo(p, q)) / q
    }

    /// Python's float `%`: the result has the sign of the divisor.
    static func floatModulo(_ p: Double, _ q: Double) -> Double {
        var m = p.truncatingRemainder(dividingBy: q)
        if m != 0 && (m < 0) != (q < 0) { m += q }
        if m == 0 { m = q < 0 ? -0.0 : 0.0 }
        return m
    }

    static func negate(_ v: Value) throws(JinjaError) -> Value {
        switch v {
        case .undefined(let u): throw u.error
        case .int(let i):
            guard i != Int.min else { throw JinjaError(.overflow, "integer result too large") }
            return .int(-i)
        case .bool(let b): return .int(b ? -1 : 0)
        case .float(let d): return .float(-d)
        case .bigInt(let s): return .bigInt(s.hasPrefix("-") ? String(s.dropFirst()) : "-" + s)
        default: throw JinjaError(.type, "bad operand type for unary -: '\(v.typeName)'")
        }
    }

    static func plus(_ v: Value) throws(JinjaError) -> Value {
        switch v {
        case .undefined(let u): throw u.error
        case .int, .float, .bigInt: return v
        case .bool(let b): return .int(b ? 1 : 0)
        default: throw JinjaError(.type, "bad operand type for unary +: '\(v.typeName)'")
        }
    }

    /// Dict keys must be hashable, as in Python.
    static func checkHashable(_ key: Value) throws(JinjaError) {
        switch key {
        case .list, .jsonArray, .dict, .jsonObject:
            throw JinjaError(.type, "unhashable type: '\(key.typeName)'")
        case .tuple(let elements):
            for element in elements { try checkHashable(element) }
        default:
            break
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
