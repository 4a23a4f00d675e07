import Testing
@testable import Jinja

@Suite("Parser")
struct ParserTests {
    /// The single expression of `{{ source }}`.
    private func expression(_ source: String) throws -> Expr {
        var lexer = Lexer(source: "{{ \(source) }}")
        var parser = Parser(tokens: try lexer.tokenize(), source: lexer.source)
        let nodes = try parser.parseTemplate()
        guard let print = nodes.first as? PrintNode else {
            Issue.record("not a print node")
            return ConstExpr(.none, offset: 0)
        }
        return print.expression
    }

    @Test("binds * tighter than +, and ~ between them")
    func arithmeticPrecedence() throws {
        let sum = try #require(try expression("a + b * c") as? AddChainExpr)
        #expect(sum.operands.count == 2)
        #expect((sum.operands[1] as? BinaryExpr)?.op == .mul)
        let mixed = try #require(try expression("a + b ~ c") as? AddChainExpr)
        #expect(mixed.operands[1] is ConcatExpr)
    }

    @Test("applies a filter to the whole unary expression before it")
    func filterAfterUnary() throws {
        let filter = try #require(try expression("-x | abs") as? FilterExpr)
        #expect(filter.input is NegateExpr)
    }

    @Test("reads `is not` as a negated test and takes one bare argument")
    func tests() throws {
        let not = try #require(try expression("x is not divisibleby 3") as? NotExpr)
        let test = try #require(not.operand as? TestExpr)
        #expect(test.name == "divisibleby")
        #expect(test.arguments.count == 1)
    }

    @Test("parses inline if with and without else")
    func conditional() throws {
        let full = try #require(try expression("a if b else c") as? ConditionalExpr)
        #expect(full.otherwise != nil)
        let partial = try #require(try expression("a if b") as? ConditionalExpr)
        #expect(partial.otherwise == nil)
    }

    @Test("folds literal lists, tuples and dicts of constants into constants")
    func constantFolding() throws {
        #expect(try expression("[1, 'a', (2, 3)]").constant != nil)
        #expect(try expression("{'a': [1]}").constant != nil)
        #expect(try expression("[1, x]").constant == nil)
    }

    @Test("tells slices from subscripts")
    func subscripts() throws {
        #expect(try expression("x[1]") is ItemExpr)
        #expect(try expression("x[::-1]") is SliceExpr)
        #expect(try expression("x.0") is ItemExpr)
        #expect(try expression("x.items") is AttributeExpr)
    }

    @Test("resolves a loop variable to the loop's frame and an outer name to the root", arguments: [
        "{% for x in items %}{{ x }}{% endfor %}",
    ])
    func nameResolution(source: String) throws {
        var lexer = Lexer(source: source)
        var parser = Parser(tokens: try lexer.tokenize(), source: lexer.source)
        let nodes = try parser.parseTemplate()
        let loop = try #require(nodes.first as? ForNode)
        let print = try #require(loop.body.first as? PrintNode)
        let name = try #require(print.expression as? NameExpr)
        #expect(name.candidates.first?.hops == 0)
        #expect(name.candidates.last?.hops == 1)
        let iterable = try #require(loop.iterable as? NameExpr)
        #expect(iterable.candidates.count == 1)
        #expect(iterable.candidates[0].hops == 0)
    }

    @Test("reports syntax errors with jinja2's messages and the line they are on", arguments: [
        ("{% if x %}never closed", "Unexpected end of template. Jinja was looking for the following tags: 'elif' or 'else' or 'endif'. The innermost block that needs to be closed is 'if'.", 1),
        ("a\n{% frobnicate %}", "Encountered unknown tag 'frobnicate'.", 2),
        ("{% for x in y %}\n{% endif %}", "Encountered unknown tag 'endif'. Jinja was looking for the following tags: 'endfor' or 'else'. The innermost block that needs to be closed is 'for'.", 2),
        ("{{ 1 + }}", "unexpected 'end of print statement'", 1),
        ("{% set true = 1 %}", "can't assign to 'const'", 1),
        ("{% macro m(a=1, b) %}{% endmacro %}", "non-default argument follows default argument", 1),
        ("\n\n{{ x | no_such_filter }}", "No filter named 'no_such_filter'.", 3),
    ])
    func syntaxErrors(source: String, message: String, line: Int) throws {
        let error = try #require(renderError(source))
        #expect(error.message == message)
        #expect(error.line == line)
    }

    @Test("defers unknown filters inside if blocks to render time, as jinja2 3.x does")
    func softUnknownFilter() throws {
        #expect(try render("{% if false %}{{ x | no_such_filter }}{% endif %}ok") == "ok")
        let error = try #require(renderError("{% if true %}{{ x | no_such_filter }}{% endif %}"))
        #expect(error.kind == .runtime)
        #expect(error.message == "No filter named 'no_such_filter' found.")
    }
}
