/// Subscripts, slices, calls and their arguments, filters and tests.
extension Parser {
    enum Subscript {
        case index(Expr)
        case slice(Expr?, Expr?, Expr?)
    }

    mutating func parseSubscript(_ node: Expr) throws(JinjaError) -> Expr {
        let token = advance()
        if token.kind == .op(.dot) {
            let attribute = current
            switch attribute.kind {
            case .name:
                advance()
                return AttributeExpr(node, attribute.text, offset: attribute.offset)
            case .integer:
                advance()
                return ItemExpr(node, ConstExpr(attribute.number, offset: attribute.offset), offset: attribute.offset)
            default:
                throw fail("expected name or number")
            }
        }
        var items: [Subscript] = []
        while !isOp(.rbracket) {
            if !items.isEmpty { try expectOp(.comma) }
            if isOp(.rbracket) { break }
            items.append(try parseSubscribed())
        }
        try expectOp(.rbracket)
        if items.count == 1, let only = items.first {
            switch only {
            case .index(let key): return ItemExpr(node, key, offset: token.offset)
            case .slice(let a, let b, let c): return SliceExpr(node, start: a, stop: b, step: c, offset: token.offset)
            }
        }
        var keys: [Expr] = []
        for item in items {
            guard case .index(let key) = item else { throw fail("slices inside tuple subscripts are not supported") }
            keys.append(key)
        }
        return ItemExpr(node, Parser.folded(ListExpr(keys, isTuple: true, offset: token.offset)), offset: token.offset)
    }

    mutating func parseSubscribed() throws(JinjaError) -> Subscript {
        var start: Expr? = nil
        if !skipOp(.colon) {
            let expression = try parseExpression()
            guard skipOp(.colon) else { return .index(expression) }
            start = expression
        }
        var stop: Expr? = nil
        if !isOp(.colon) && !isOp(.rbracket) && !isOp(.comma) { stop = try parseExpression() }
        var step: Expr? = nil
        if skipOp(.colon), !isOp(.rbracket) && !isOp(.comma) { step = try parseExpression() }
        return .slice(start, stop, step)
    }

    /// `(args, key=value, *rest, **more)`.
    mutating func parseCallArguments() throws(JinjaError) -> [ArgumentExpr] {
        let open = current.offset
        try expectOp(.lparen)
        var arguments: [ArgumentExpr] = []
        var hasStar = false
        var hasStarStar = false
        var hasKeyword = false
        func invalid() -> JinjaError { JinjaError(.syntax, "invalid syntax for function call expression", offset: open) }
        while !isOp(.rparen) {
            if !arguments.isEmpty {
                try expectOp(.comma)
                if isOp(.rparen) { break }
            }
            if skipOp(.mul) {
                if hasStar || hasStarStar { throw invalid() }
                arguments.append(.star(try parseExpression()))
                hasStar = true
            } else if skipOp(.pow) {
                if hasStarStar { throw invalid() }
                arguments.append(.starStar(try parseExpression()))
                hasStarStar = true
            } else if current.kind == .name, peek().kind == .op(.assign) {
                if hasStar || hasStarStar { throw invalid() }
                let name = advance().text
                advance()
                arguments.append(.keyword(name, try parseExpression()))
                hasKeyword = true
            } else {
                if hasStar || hasStarStar || hasKeyword { throw invalid() }
                arguments.append(.positional(try parseExpression()))
            }
        }
        try expectOp(.rparen)
        return arguments
    }

    mutating func parseCall(_ callee: Expr) throws(JinjaError) -> Expr {
        let offset = current.offset
        return CallExpr(callee, try parseCallArguments(), offset: offset)
    }

    /// `|name(args)|name…`; each filter gets its input later (nil input = a filter block's output).
    mutating func parseFilterChain(startInline: Bool) throws(JinjaError) -> [FilterExpr] {
        var filters: [FilterExpr] = []
        var inline = startInline
        while isOp(.pipe) || inline {
            if !inline { advance() }
            inline = false
            let token = try expectName()
            var name = token.text
            while skipOp(.dot) { name += "." + (try expectName()).text }
            let arguments = isOp(.lparen) ? try parseCallArguments() : []
            let function = Filters.lookup(name)
            if function == nil { noteUnknown("No filter named \(PythonRepr.string(name)).", offset: token.offset) }
            filters.append(FilterExpr(nil, name: name, function: function, arguments: arguments, offset: token.offset))
        }
        return filters
    }

    mutating func parseTest(_ node: Expr) throws(JinjaError) -> Expr {
        let isToken = advance()
        let negated = skipName("not")
        let token = try expectName()
        var name = token.text
        while skipOp(.dot) { name += "." + (try expectName()).text }
        var arguments: [ArgumentExpr] = []
        switch current.kind {
        case .op(.lparen):
            arguments = try parseCallArguments()
        case .name, .string, .integer, .float, .op(.lbracket), .op(.lbrace):
            if current.isName("else") || current.isName("or") || current.isName("and") { break }
            if current.isName("is") { throw fail("You cannot chain multiple tests with is") }
            arguments = [.positional(try parsePostfix(try parsePrimary()))]
        default:
            break
        }
        let function = Tests.lookup(name)
        if function == nil { noteUnknown("No test named \(PythonRepr.string(name)).", offset: token.offset) }
        let test: Expr = TestExpr(node, name: name, function: function, arguments: arguments, offset: isToken.offset)
        return negated ? NotExpr(test, offset: isToken.offset) : test
    }
}
