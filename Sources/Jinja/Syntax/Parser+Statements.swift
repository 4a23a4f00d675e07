/// Statement tags: for, if, set, macro, call, filter, with, autoescape, block, print, loop controls,
/// generation; include/import/extends parse but fail when reached (no loader, as in transformers).
extension Parser {
    /// An assignment target as written, before its names get slots.
    indirect enum TargetSpec {
        case name(String, offset: Int)
        case tuple([TargetSpec])
    }

    mutating func parseStatement() throws(JinjaError) -> [Node] {
        guard current.kind == .name else { throw fail("tag name expected") }
        let tag = current.text
        let known: Set<String> = ["for", "if", "set", "macro", "call", "filter", "with", "autoescape", "block", "print",
                                   "break", "continue", "generation", "include", "import", "from", "extends"]
        guard known.contains(tag) else { throw failUnknownTag(tag) }
        try enterNesting()
        defer { leaveNesting() }
        pushTag(tag)
        defer { popTag() }
        switch tag {
        case "for": return [try parseFor()]
        case "if": return [try parseIf()]
        case "set": return [try parseSet()]
        case "macro": return [try parseMacro()]
        case "call": return [try parseCallBlock()]
        case "filter": return [try parseFilterBlock()]
        case "with": return [try parseWith()]
        case "autoescape": return [try parseAutoescape()]
        case "block": return [try parseBlock()]
        case "print": return try parsePrint()
        case "break", "continue":
            let token = advance()
            return [LoopControlNode(tag == "break" ? .breakLoop : .continueLoop, offset: token.offset)]
        case "generation":
            let token = advance()
            let layout = pushScope(.block)
            let body = try withHardFrame { (p: inout Parser) throws(JinjaError) in
                try p.parseStatements(until: ["endgeneration"], dropNeedle: true)
            }
            popScope()
            return [BlockNode(body: body, layout: layout, scoped: true, offset: token.offset)]
        case "include", "import", "from", "extends":
            let token = advance()
            while current.kind != .blockEnd && current.kind != .eof { advance() }
            return [FailNode(JinjaError(.type, "no loader for this environment specified"), offset: token.offset)]
        default:
            throw failUnknownTag(tag)
        }
    }

    // MARK: for / if

    private mutating func parseFor() throws(JinjaError) -> Node {
        let start = advance()
        let spec = try parseTargetSpec(endRules: ["in"])
        try expectName("in")
        let iterable = try parseTuple(withCondExpr: false, extraEndRules: ["recursive"])
        let layout = pushScope(.loop)
        let target = bind(spec, in: layout)
        let (test, recursive, body) = try withHardFrame { (p: inout Parser) throws(JinjaError) in
            var test: Expr? = nil
            if p.skipName("if") { test = try p.parseExpression() }
            let recursive = p.skipName("recursive")
            let body = try p.parseStatements(until: ["endfor", "else"], dropNeedle: false)
            return (test, recursive, body)
        }
        popScope()
        let elseLayout = makeLayout(.block, parent: scope)
        var otherwise: [Node] = []
        if advance().text == "else" {
            scopes.append(elseLayout)
            otherwise = try withHardFrame { (p: inout Parser) throws(JinjaError) in
                try p.parseStatements(until: ["endfor"], dropNeedle: true)
            }
            popScope()
        }
        return ForNode(target: target, iterable: iterable, test: test, body: body, otherwise: otherwise,
                       layout: layout, elseLayout: elseLayout,
                       loopSlot: layout.readsLoop ? layout.existingSlot(for: "loop") : nil,
                       recursive: recursive, offset: start.offset)
    }

    private mutating func parseIf() throws(JinjaError) -> Node {
        let start = advance()
        var branches: [(condition: Expr, body: [Node])] = []
        var otherwise: [Node] = []
        try withSoft { (p: inout Parser) throws(JinjaError) in
            var condition = try p.parseTuple(withCondExpr: false)
            var body = try p.parseStatements(until: ["elif", "else", "endif"], dropNeedle: false)
            branches.append((condition, body))
            while true {
                let token = p.advance()
                if token.text == "elif" {
                    condition = try p.parseTuple(withCondExpr: false)
                    body = try p.parseStatements(until: ["elif", "else", "endif"], dropNeedle: false)
                    branches.append((condition, body))
                    continue
                }
                if token.text == "else" {
                    otherwise = try p.parseStatements(until: ["endif"], dropNeedle: true)
                }
                break
            }
        }
        return IfNode(branches: branches, otherwise: otherwise, offset: start.offset)
    }

    // MARK: set / with

    private mutating func parseSet() throws(JinjaError) -> Node {
        let start = advance()
        if current.kind == .name, peek().kind == .op(.dot) {
            let nsToken = advance()
            advance()
            let attribute = try expectName()
            let namespace = makeName(nsToken.text, offset: nsToken.offset)
            let value: Expr
            if skipOp(.assign) {
                value = try parseTuple(withCondExpr: true)
            } else {
                value = try parseCaptureBody(endTag: "endset")
            }
            return NamespaceSetNode(namespace: namespace, attribute: attribute.text, value: value, offset: start.offset)
        }
        let spec = try parseTargetSpec(endRules: [])
        if skipOp(.assign) {
            let value = try parseTuple(withCondExpr: true)
            return SetNode(bind(spec, in: scope), value, offset: start.offset)
        }
        let value = try parseCaptureBody(endTag: "endset")
        return SetNode(bind(spec, in: scope), value, offset: start.offset)
    }

    /// `{% set x | filters %}body{% endset %}`: the filters, then the body in a scope of its own.
    private mutating func parseCaptureBody(endTag: String) throws(JinjaError) -> Expr {
        let offset = current.offset
        let filters = isOp(.pipe) ? try parseFilterChain(startInline: false) : []
        let layout = pushScope(.block)
        let body = try withHardFrame { (p: inout Parser) throws(JinjaError) in
            try p.parseStatements(until: [endTag], dropNeedle: true)
        }
        popScope()
        return CaptureExpr(body: body, layout: layout, filters: filters, offset: offset)
    }

    private mutating func parseWith() throws(JinjaError) -> Node {
        let start = advance()
        var specs: [(TargetSpec, Expr)] = []
        while current.kind != .blockEnd {
            if !specs.isEmpty { try expectOp(.comma) }
            let spec = try parseTargetSpec(endRules: [])
            try expectOp(.assign)
            specs.append((spec, try parseExpression()))
        }
        let layout = pushScope(.block)
        let assignments = specs.map { (target: bind($0.0, in: layout), value: $0.1) }
        let body = try withHardFrame { (p: inout Parser) throws(JinjaError) in
            try p.parseStatements(until: ["endwith"], dropNeedle: true)
        }
        popScope()
        return WithNode(assignments: assignments, body: body, layout: layout, offset: start.offset)
    }

    // MARK: macro / call / filter

    private mutating func parseSignature(into layout: ScopeLayout) throws(JinjaError) -> [MacroDefinition.Parameter] {
        var parameters: [MacroDefinition.Parameter] = []
        try expectOp(.lparen)
        while !isOp(.rparen) {
            if !parameters.isEmpty { try expectOp(.comma) }
            if isOp(.rparen) { break }
            let token = try expectName()
            try checkAssignable(token.text, offset: token.offset)
            layout.explicitParameters.insert(token.text)
            let slot = layout.slot(for: token.text)
            var defaultValue: Expr? = nil
            if skipOp(.assign) {
                defaultValue = try parseExpression()
            } else if parameters.contains(where: { $0.defaultValue != nil }) {
                throw fail("non-default argument follows default argument", at: token.offset)
            }
            parameters.append(.init(name: token.text, slot: slot, defaultValue: defaultValue))
        }
        try expectOp(.rparen)
        return parameters
    }

    private mutating func parseMacro() throws(JinjaError) -> Node {
        let start = advance()
        let nameToken = try expectName()
        try checkAssignable(nameToken.text, offset: nameToken.offset)
        let layout = pushScope(.macro)
        let (parameters, body) = try withHardFrame { (p: inout Parser) throws(JinjaError) in
            let parameters = try p.parseSignature(into: layout)
            let body = try p.parseStatements(until: ["endmacro"], dropNeedle: true)
            return (parameters, body)
        }
        popScope()
        let definition = MacroDefinition(name: nameToken.text, parameters: parameters, body: body, layout: layout)
        return MacroNode(definition, slot: scope.slot(for: nameToken.text), offset: start.offset)
    }

    private mutating func parseCallBlock() throws(JinjaError) -> Node {
        let start = advance()
        let layout = makeLayout(.macro, parent: scope)
        var parameters: [MacroDefinition.Parameter] = []
        if isOp(.lparen) {
            scopes.append(layout)
            parameters = try parseSignature(into: layout)
            popScope()
        }
        let callOffset = current.offset
        guard let call = try parseExpression() as? CallExpr else { throw fail("expected call", at: callOffset) }
        scopes.append(layout)
        let body = try withHardFrame { (p: inout Parser) throws(JinjaError) in
            try p.parseStatements(until: ["endcall"], dropNeedle: true)
        }
        popScope()
        let caller = MacroDefinition(name: "caller", parameters: parameters, body: body, layout: layout)
        return CallBlockNode(call: call, caller: caller, offset: start.offset)
    }

    private mutating func parseFilterBlock() throws(JinjaError) -> Node {
        let start = advance()
        let filters = try parseFilterChain(startInline: true)
        let layout = pushScope(.block)
        let body = try withHardFrame { (p: inout Parser) throws(JinjaError) in
            try p.parseStatements(until: ["endfilter"], dropNeedle: true)
        }
        popScope()
        return FilterBlockNode(filters: filters, body: body, layout: layout, offset: start.offset)
    }

    // MARK: others

    private mutating func parseAutoescape() throws(JinjaError) -> Node {
        let start = advance()
        let enabled = try parseExpression()
        let body = try parseStatements(until: ["endautoescape"], dropNeedle: true)
        return AutoescapeNode(enabled: enabled, body: body, offset: start.offset)
    }

    private mutating func parseBlock() throws(JinjaError) -> Node {
        let start = advance()
        let name = try expectName()
        let scoped = skipName("scoped")
        _ = skipName("required")
        let layout = pushScope(.block, parent: scoped ? scope : rootLayout)
        let body = try withHardFrame { (p: inout Parser) throws(JinjaError) in
            try p.parseStatements(until: ["endblock"], dropNeedle: true)
        }
        popScope()
        _ = skipName(name.text)
        return BlockNode(body: body, layout: layout, scoped: scoped, offset: start.offset)
    }

    private mutating func parsePrint() throws(JinjaError) -> [Node] {
        advance()
        var nodes: [Node] = []
        while current.kind != .blockEnd {
            if !nodes.isEmpty { try expectOp(.comma) }
            let expression = try parseExpression()
            nodes.append(PrintNode(expression, offset: expression.offset))
        }
        return nodes
    }

    // MARK: Assignment targets

    func checkAssignable(_ name: String, offset: Int) throws(JinjaError) {
        if ["true", "false", "none", "True", "False", "None"].contains(name) {
            throw fail("can't assign to 'const'", at: offset)
        }
    }

    /// `parse_assign_target`: a name, or names in a tuple (parenthesized or not).
    mutating func parseTargetSpec(endRules: [String]) throws(JinjaError) -> TargetSpec {
        var items: [TargetSpec] = []
        var isTuple = false
        while true {
            if !items.isEmpty { try expectOp(.comma) }
            if isTupleEnd(endRules) { break }
            items.append(try parseTargetPrimary())
            if isOp(.comma) { isTuple = true } else { break }
        }
        if !isTuple {
            guard let first = items.first else { throw fail("Expected an expression, got '\(current.description)'") }
            return first
        }
        return .tuple(items)
    }

    private mutating func parseTargetPrimary() throws(JinjaError) -> TargetSpec {
        if current.kind == .name {
            let token = advance()
            try checkAssignable(token.text, offset: token.offset)
            return .name(token.text, offset: token.offset)
        }
        if skipOp(.lparen) {
            var items: [TargetSpec] = []
            var isTuple = false
            while !isOp(.rparen) {
                if !items.isEmpty { try expectOp(.comma) }
                if isOp(.rparen) { break }
                items.append(try parseTargetPrimary())
                if isOp(.comma) { isTuple = true }
            }
            try expectOp(.rparen)
            if !isTuple, items.count == 1 { return items[0] }
            return .tuple(items)
        }
        throw fail("can't assign to '\(current.description)'")
    }

    /// Gives each name of a target a slot in `layout`.
    func bind(_ spec: TargetSpec, in layout: ScopeLayout) -> AssignTarget {
        switch spec {
        case .name(let name, _): return .name(name, slot: layout.slot(for: name))
        case .tuple(let items): return .tuple(items.map { bind($0, in: layout) })
        }
    }
}

/// The output of a block body as a value (`{% set x %}…{% endset %}`), optionally filtered.
final class CaptureExpr: Expr, @unchecked Sendable {
    let body: [Node]
    let layout: ScopeLayout
    let filters: [FilterExpr]

    init(body: [Node], layout: ScopeLayout, filters: [FilterExpr], offset: Int) {
        self.body = body
        self.layout = layout
        self.filters = filters
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        var value = try r.capture(layout: layout, body)
        for filter in filters { value = try filter.apply(to: value, r) }
        return value
    }
}
