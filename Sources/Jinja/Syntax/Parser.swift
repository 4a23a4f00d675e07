/// Builds the compiled tree from tokens, following jinja2's grammar and precedence. Names are resolved to
/// frame slots as scopes close, so rendering never looks a variable up by string.
struct Parser {
    private var tokens: [Token]
    private var index = 0
    private let lineStarts: [Int]

    /// Innermost scope last.
    var scopes: [ScopeLayout]
    private var nameReads: [(NameExpr, ScopeLayout)] = []
    /// Depth of `if` bodies and inline-if branches: unknown filters there fail only when evaluated (jinja2 3.x).
    private var softDepth = 0
    private var unknownCallables: [(message: String, offset: Int, soft: Bool)] = []
    private var softMarks: [Int] = []
    private var tagStack: [String] = []
    private var endTokenStack: [[String]] = []
    private var nesting = 0
    /// Scopes made so far (the root is the first).
    private(set) var layoutCount = 1
    private static let maxNesting = 150

    init(tokens: [Token], source: [UInt8]) {
        self.tokens = tokens
        var starts = [0]
        for (i, b) in source.enumerated() where b == UInt8(ascii: "\n") { starts.append(i + 1) }
        lineStarts = starts
        scopes = [ScopeLayout(kind: .root, parent: nil, id: 0)]
    }

    var rootLayout: ScopeLayout { scopes[0] }

    /// Parses the whole template; returns its statements.
    mutating func parseTemplate() throws(JinjaError) -> [Node] {
        let body = try subparse(until: nil)
        if current.kind != .eof {
            throw fail("unexpected '\(current.description)'")
        }
        if let unknown = unknownCallables.first(where: { !$0.soft }) {
            throw JinjaError(.assertion, unknown.message, offset: unknown.offset)
        }
        resolveNames()
        return body
    }

    /// Gives every variable read its candidate slots, innermost scope first, the root scope always last.
    private mutating func resolveNames() {
        for (name, scope) in nameReads {
            var candidates: [(hops: Int, slot: Int)] = []
            var layout: ScopeLayout? = scope
            var hops = 0
            while let l = layout {
                if l.kind == .root {
                    candidates.append((hops, l.slot(for: name.name)))
                } else if let slot = l.existingSlot(for: name.name) {
                    candidates.append((hops, slot))
                }
                layout = l.parent
                hops += 1
            }
            name.candidates = candidates
        }
    }

    // MARK: Token stream

    var current: Token { tokens[index] }

    func peek(_ offset: Int = 1) -> Token {
        tokens[min(index + offset, tokens.count - 1)]
    }

    @discardableResult
    mutating func advance() -> Token {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    func isOp(_ op: Token.Operator) -> Bool { current.kind == .op(op) }

    mutating func skipOp(_ op: Token.Operator) -> Bool {
        guard isOp(op) else { return false }
        advance()
        return true
    }

    mutating func skipName(_ name: String) -> Bool {
        guard current.isName(name) else { return false }
        advance()
        return true
    }

    mutating func expectOp(_ op: Token.Operator) throws(JinjaError) {
        guard skipOp(op) else { throw expected("'\(op.rawValue)'") }
    }

    mutating func expectName() throws(JinjaError) -> Token {
        guard current.kind == .name else { throw expected("name") }
        return advance()
    }

    mutating func expectName(_ name: String) throws(JinjaError) {
        guard skipName(name) else { throw expected("'\(name)'") }
    }

    mutating func expect(_ kind: Token.Kind, _ description: String) throws(JinjaError) {
        guard current.kind == kind else { throw expected("'\(description)'") }
        advance()
    }

    func fail(_ message: String, at offset: Int? = nil) -> JinjaError {
        JinjaError(.syntax, message, offset: offset ?? current.offset)
    }

    func expected(_ what: String) -> JinjaError {
        if current.kind == .eof { return fail("unexpected end of template, expected \(what).") }
        return fail("expected token \(what), got '\(current.description)'")
    }

    func line(of offset: Int) -> Int {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low + 1
    }

    mutating func enterNesting() throws(JinjaError) {
        nesting += 1
        if nesting > Parser.maxNesting { throw fail("template nesting too deep") }
    }

    mutating func leaveNesting() { nesting -= 1 }

    // MARK: Scopes

    var scope: ScopeLayout { scopes[scopes.count - 1] }

    mutating func pushScope(_ kind: ScopeLayout.Kind, parent: ScopeLayout? = nil) -> ScopeLayout {
        let layout = makeLayout(kind, parent: parent ?? scope)
        scopes.append(layout)
        return layout
    }

    mutating func popScope() { scopes.removeLast() }

    /// A new scope shape with the next id.
    mutating func makeLayout(_ kind: ScopeLayout.Kind, parent: ScopeLayout?) -> ScopeLayout {
        layoutCount += 1
        return ScopeLayout(kind: kind, parent: parent, id: layoutCount - 1)
    }

    /// A variable read in the current scope, resolved when parsing ends.
    mutating func makeName(_ name: String, offset: Int) -> NameExpr {
        let expr = NameExpr(name, offset: offset)
        nameReads.append((expr, scope))
        if ["caller", "varargs", "kwargs", "loop"].contains(name) { noteSpecialRead(name) }
        return expr
    }

    /// `caller`/`varargs`/`kwargs` become implicit parameters of the innermost macro that reads them;
    /// `loop` is only materialized by loops whose bodies read it.
    private mutating func noteSpecialRead(_ name: String) {
        for layout in scopes.reversed() {
            if name == "loop" {
                if layout.kind == .loop {
                    _ = layout.slot(for: "loop")
                    layout.readsLoop = true
                    return
                }
                continue
            }
            if layout.kind == .macro {
                if !layout.explicitParameters.contains(name) {
                    _ = layout.slot(for: name)
                    switch name {
                    case "caller": layout.readsCaller = true
                    case "varargs": layout.readsVarargs = true
                    default: layout.readsKwargs = true
                    }
                }
                return
            }
        }
    }

    mutating func noteUnknown(_ message: String, offset: Int) {
        unknownCallables.append((message, offset, softDepth > 0))
    }

    /// Marks unknown filters/tests recorded since `mark` as conditional (inside an inline if).
    mutating func softenUnknowns(since mark: Int) {
        for i in mark..<unknownCallables.count { unknownCallables[i].soft = true }
    }

    var unknownMark: Int { unknownCallables.count }

    mutating func withSoft<T>(_ body: (inout Parser) throws(JinjaError) -> T) throws(JinjaError) -> T {
        softDepth += 1
        defer { softDepth -= 1 }
        return try body(&self)
    }

    /// Runs `body` with soft mode off (a new frame in jinja2 is never soft).
    mutating func withHardFrame<T>(_ body: (inout Parser) throws(JinjaError) -> T) throws(JinjaError) -> T {
        let saved = softDepth
        softDepth = 0
        defer { softDepth = saved }
        return try body(&self)
    }

    // MARK: Template body

    /// Parses text, `{{ … }}` and statements until a block tag named in `endTags` (left unconsumed, after its
    /// `{%`), or the end of the template when `endTags` is nil.
    mutating func subparse(until endTags: [String]?) throws(JinjaError) -> [Node] {
        var body: [Node] = []
        if let endTags { endTokenStack.append(endTags) }
        defer { if endTags != nil { endTokenStack.removeLast() } }
        while true {
            switch current.kind {
            case .text:
                let token = advance()
                body.append(TextNode(token.text, offset: token.offset))
            case .variableBegin:
                advance()
                let expression = try parseTuple(withCondExpr: true)
                try expect(.variableEnd, "end of print statement")
                body.append(PrintNode(expression, offset: expression.offset))
            case .blockBegin:
                advance()
                if let endTags, current.kind == .name, endTags.contains(current.text) { return body }
                body.append(contentsOf: try parseStatement())
                try expect(.blockEnd, "end of statement block")
            case .eof:
                if endTags != nil { throw failUnknownTag(nil) }
                return body
            default:
                throw fail("unexpected '\(current.description)'")
            }
        }
    }

    /// `parse_statements`: `%}`, the body up to one of `endTags`; consumes the end tag name when asked.
    mutating func parseStatements(until endTags: [String], dropNeedle: Bool) throws(JinjaError) -> [Node] {
        _ = skipOp(.colon)
        try expect(.blockEnd, "end of statement block")
        let body = try subparse(until: endTags)
        if current.kind == .eof { throw failUnknownTag(nil) }
        if dropNeedle { advance() }
        return body
    }

    func failUnknownTag(_ name: String?) -> JinjaError {
        var message: [String] = [name.map { "Encountered unknown tag \(PythonRepr.string($0))." } ?? "Unexpected end of template."]
        if let looking = endTokenStack.last {
            let names = looking.map { PythonRepr.string($0) }.joined(separator: " or ")
            if let name, endTokenStack.contains(where: { $0.contains(name) }) {
                message.append("You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for \(names).")
            } else {
                message.append("Jinja was looking for the following tags: \(names).")
            }
        }
        if let innermost = tagStack.last {
            message.append("The innermost block that needs to be closed is \(PythonRepr.string(innermost)).")
        }
        return fail(message.joined(separator: " "))
    }

    mutating func pushTag(_ name: String) { tagStack.append(name) }
    mutating func popTag() { tagStack.removeLast() }
}
