/// Expressions, by jinja2's precedence: inline if < or < and < not < comparisons < + - < ~ < * / // % < ** <
/// unary - + < filters and tests < postfix (. [] ()) < primaries.
extension Parser {
    func isTupleEnd(_ extraEndRules: [String]) -> Bool {
        switch current.kind {
        case .variableEnd, .blockEnd, .op(.rparen): return true
        case .name: return extraEndRules.contains(current.text)
        default: return false
        }
    }

    /// Comma-separated expressions; a tuple when there is a comma.
    mutating func parseTuple(withCondExpr: Bool, extraEndRules: [String] = [], explicitParentheses: Bool = false)
        throws(JinjaError) -> Expr
    {
        let offset = current.offset
        var items: [Expr] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(.comma) }
            if isTupleEnd(extraEndRules) { break }
            items.append(withCondExpr ? try parseExpression() : try parseOr())
            if isOp(.comma) { isTuple = true } else { break }
        }
        if !isTuple {
            if let first = items.first { return first }
            if !explicitParentheses { throw fail("Expected an expression, got '\(current.description)'") }
        }
        return Parser.folded(ListExpr(items, isTuple: true, offset: offset))
    }

    mutating func parseExpression() throws(JinjaError) -> Expr {
        try enterNesting()
        defer { leaveNesting() }
        return try parseConditional()
    }

    private mutating func parseConditional() throws(JinjaError) -> Expr {
        let mark = unknownMark
        var expr = try parseOr()
        while current.isName("if") {
            let ifToken = advance()
            let condition = try withSoft { (p: inout Parser) throws(JinjaError) in try p.parseOr() }
            var otherwise: Expr? = nil
            if skipName("else") {
                otherwise = try withSoft { (p: inout Parser) throws(JinjaError) in try p.parseConditional() }
            }
            softenUnknowns(since: mark)
            expr = ConditionalExpr(condition: condition, then: expr, otherwise: otherwise,
                                   line: line(of: ifToken.offset), offset: expr.offset)
        }
        return expr
    }

    mutating func parseOr() throws(JinjaError) -> Expr {
        var left = try parseAnd()
        while current.isName("or") {
            advance()
            left = OrExpr(left, try parseAnd(), offset: left.offset)
        }
        return left
    }

    private mutating func parseAnd() throws(JinjaError) -> Expr {
        var left = try parseNot()
        while current.isName("and") {
            advance()
            left = AndExpr(left, try parseNot(), offset: left.offset)
        }
        return left
    }

    private mutating func parseNot() throws(JinjaError) -> Expr {
        if current.isName("not") {
            let token = advance()
            try enterNesting()
            defer { leaveNesting() }
            return NotExpr(try parseNot(), offset: token.offset)
        }
        return try parseCompare()
    }

    private mutating func parseCompare() throws(JinjaError) -> Expr {
        let first = try parseMath1()
        var rest: [(CompareExpr.Op, Expr)] = []
        while true {
            let op: CompareExpr.Op
            switch current.kind {
            case .op(.eq): op = .eq
            case .op(.ne): op = .ne
            case .op(.lt): op = .lt
            case .op(.lteq): op = .le
            case .op(.gt): op = .gt
            case .op(.gteq): op = .ge
            case .name where current.text == "in": op = .in
            case .name where current.text == "not" && peek().isName("in"):
                advance()
                op = .notIn
            default:
                return rest.isEmpty ? first : CompareExpr(first, rest, offset: first.offset)
            }
            advance()
            rest.append((op, try parseMath1()))
        }
    }

    private mutating func parseMath1() throws(JinjaError) -> Expr {
        var left = try parseConcat()
        // A run of `+` becomes one chain; `-` ends it (left-associative either way).
        var chain: [Expr] = [left]
        var offsets: [Int] = [left.offset]
        func flush() -> Expr {
            chain.count == 1 ? chain[0] : AddChainExpr(chain, operatorOffsets: offsets)
        }
        while true {
            switch current.kind {
            case .op(.add):
                let token = advance()
                chain.append(try parseConcat())
                offsets.append(token.offset)
            case .op(.sub):
                let token = advance()
                left = BinaryExpr(.sub, flush(), try parseConcat(), offset: token.offset)
                chain = [left]
                offsets = [left.offset]
            default:
                return flush()
            }
        }
    }

    private mutating func parseConcat() throws(JinjaError) -> Expr {
        var parts = [try parseMath2()]
        while skipOp(.tilde) { parts.append(try parseMath2()) }
        return parts.count == 1 ? parts[0] : ConcatExpr(parts, offset: parts[0].offset)
    }

    private mutating func parseMath2() throws(JinjaError) -> Expr {
        var left = try parsePow()
        while true {
            let op: BinaryExpr.Op
            switch current.kind {
            case .op(.mul): op = .mul
            case .op(.div): op = .div
            case .op(.floorDiv): op = .floorDiv
            case .op(.mod): op = .mod
            default: return left
            }
            let token = advance()
            left = BinaryExpr(op, left, try parsePow(), offset: token.offset)
        }
    }

    private mutating func parsePow() throws(JinjaError) -> Expr {
        var left = try parseUnary(withFilter: true)
        while isOp(.pow) {
            let token = advance()
            left = BinaryExpr(.pow, left, try parseUnary(withFilter: true), offset: token.offset)
        }
        return left
    }

    private mutating func parseUnary(withFilter: Bool) throws(JinjaError) -> Expr {
        try enterNesting()
        defer { leaveNesting() }
        var node: Expr
        if isOp(.sub) || isOp(.add) {
            let token = advance()
            let operand = try parseUnary(withFilter: false)
            node = NegateExpr(operand, isPlus: token.kind == .op(.add), offset: token.offset)
            if let constant = operand.constant, let folded = try? (token.kind == .op(.add)
                ? Operators.plus(constant) : Operators.negate(constant)) {
                node = ConstExpr(folded, offset: token.offset)
            }
        } else {
            node = try parsePrimary()
        }
        node = try parsePostfix(node)
        if withFilter { node = try parseFilterExpression(node) }
        return node
    }

    mutating func parsePrimary() throws(JinjaError) -> Expr {
        let token = current
        switch token.kind {
        case .name:
            advance()
            switch token.text {
            case "true", "True": return ConstExpr(.bool(true), offset: token.offset)
            case "false", "False": return ConstExpr(.bool(false), offset: token.offset)
            case "none", "None": return ConstExpr(.none, offset: token.offset)
            default: return makeName(token.text, offset: token.offset)
            }
        case .string:
            advance()
            var text = token.text
            while current.kind == .string { text += advance().text }
            return ConstExpr(.string(text), offset: token.offset)
        case .integer, .float:
            advance()
            return ConstExpr(token.number, offset: token.offset)
        case .op(.lparen):
            advance()
            let inner = try parseTuple(withCondExpr: true, explicitParentheses: true)
            try expectOp(.rparen)
            return inner
        case .op(.lbracket):
            return try parseList()
        case .op(.lbrace):
            return try parseDict()
        default:
            if token.kind == .eof || token.kind == .blockEnd || token.kind == .variableEnd {
                throw fail("unexpected '\(token.description)'")
            }
            throw fail("unexpected '\(token.description)'")
        }
    }

    private mutating func parseList() throws(JinjaError) -> Expr {
        let start = advance()
        var items: [Expr] = []
        while !isOp(.rbracket) {
            if !items.isEmpty { try expectOp(.comma) }
            if isOp(.rbracket) { break }
            items.append(try parseExpression())
        }
        try expectOp(.rbracket)
        return Parser.folded(ListExpr(items, isTuple: false, offset: start.offset))
    }

    private mutating func parseDict() throws(JinjaError) -> Expr {
        let start = advance()
        var entries: [(key: Expr, value: Expr)] = []
        while !isOp(.rbrace) {
            if !entries.isEmpty { try expectOp(.comma) }
            if isOp(.rbrace) { break }
            let key = try parseExpression()
            try expectOp(.colon)
            entries.append((key, try parseExpression()))
        }
        try expectOp(.rbrace)
        let dict = DictExpr(entries, offset: start.offset)
        // A literal of constants is built once at compile time (values are immutable).
        var folded = PyDict()
        for entry in entries {
            guard let key = entry.key.constant, let value = entry.value.constant,
                  (try? Operators.checkHashable(key)) != nil else { return dict }
            folded[key.normalizedKey] = value
        }
        return ConstExpr(.dict(folded), offset: start.offset)
    }

    static func folded(_ list: ListExpr) -> Expr {
        var values: [Value] = []
        for element in list.elements {
            guard let value = element.constant else { return list }
            values.append(value)
        }
        return ConstExpr(list.isTuple ? .tuple(values) : .list(values), offset: list.offset)
    }

    mutating func parsePostfix(_ start: Expr) throws(JinjaError) -> Expr {
        var node = start
        while true {
            switch current.kind {
            case .op(.dot), .op(.lbracket): node = try parseSubscript(node)
            case .op(.lparen): node = try parseCall(node)
            default: return node
            }
        }
    }

    mutating func parseFilterExpression(_ start: Expr) throws(JinjaError) -> Expr {
        var node = start
        while true {
            switch current.kind {
            case .op(.pipe):
                for filter in try parseFilterChain(startInline: false) {
                    node = FilterExpr(node, name: filter.name, function: filter.function, arguments: filter.arguments,
                                      offset: filter.offset)
                }
            case .name where current.text == "is":
                node = try parseTest(node)
            case .op(.lparen):
                node = try parseCall(node)
            default:
                return node
            }
        }
    }
}
