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
