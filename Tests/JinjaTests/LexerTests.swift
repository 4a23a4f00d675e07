import Testing
@testable import Jinja

@Suite("Lexer")
struct LexerTests {
    private func kinds(_ source: String) throws -> [Token.Kind] {
        var lexer = Lexer(source: source)
        return try lexer.tokenize().map(\.kind)
    }

    private func texts(_ source: String) throws -> [String] {
        var lexer = Lexer(source: source)
        return try lexer.tokenize().filter { $0.kind == .text }.map(\.text)
    }

    @Test("splits text, variables and blocks into delimiter and expression tokens")
    func delimiters() throws {
        #expect(try kinds("a{{ b.c }}d{% if x %}e{% endif %}") == [
            .text, .variableBegin, .name, .op(.dot), .name, .variableEnd, .text,
            .blockBegin, .name, .name, .blockEnd, .text, .blockBegin, .name, .blockEnd, .eof,
        ])
    }

    @Test("applies trim_blocks, lstrip_blocks and explicit whitespace control as jinja2 does", arguments: [
        ("{% if x %}\nA\n{% endif %}\nB", ["A\n", "B"]),
        ("  {% if x %}A{% endif %}", ["A"]),
        ("x  {% if x %}A{% endif %}", ["x  ", "A"]),
        ("  {{ x }}", ["  "]),
        ("a  {%- if x -%}  b  {%- endif %}", ["a", "b"]),
        ("  {%+ if x %}A{% endif +%}\nB", ["  ", "A", "\nB"]),
        ("a\n  {# note #}\nb", ["a\n", "b"]),
        ("a {#- note -#}\n b", ["a", "b"]),
        ("{% raw %}{{ x }}{% endraw %}", ["{{ x }}"]),
        ("line\n", ["line"]),
        ("line\r\nnext\r\n", ["line\nnext"]),
    ])
    func whitespace(source: String, expected: [String]) throws {
        #expect(try texts(source) == expected)
    }

    @Test("decodes Python string escapes and adjacent literal parts")
    func strings() throws {
        var lexer = Lexer(source: #"{{ 'a\tb\n\'q\' \u00e9\x41\101 \d' "x\"y" }}"#)
        let strings = try lexer.tokenize().filter { $0.kind == .string }.map(\.text)
        #expect(strings == ["a\tb\n'q' éAA \\d", "x\"y"])
    }

    @Test("reads integer and float literals in every form jinja2 accepts", arguments: [
        ("42", Value.int(42)), ("0x1F", .int(31)), ("0o17", .int(15)), ("0b101", .int(5)), ("1_000", .int(1000)),
        ("1.5", .float(1.5)), ("1e3", .float(1000)), ("2.5E-1", .float(0.25)),
        ("123456789012345678901234", .bigInt("123456789012345678901234")),
    ])
    func numbers(source: String, expected: Value) throws {
        var lexer = Lexer(source: "{{ \(source) }}")
        let token = try lexer.tokenize()[1]
        #expect(token.number.pythonEquals(expected))
        #expect(token.number.typeName == expected.typeName)
    }

    @Test("keeps a `}}` inside braces as part of the expression")
    func balancedBraces() throws {
        #expect(try kinds("{{ {'a': {'b': 1}} }}").filter { $0 == .variableEnd }.count == 1)
    }

    @Test("reports an unterminated comment at its start")
    func unterminatedComment() throws {
        var lexer = Lexer(source: "text\n  {# never closed")
        #expect(throws: JinjaError.self) { try lexer.tokenize() }
        let error = renderError("text\n  {# never closed")
        #expect(error?.kind == .syntax)
        #expect(error?.message == "Missing end of comment tag")
        #expect(error?.line == 2)
        #expect(error?.column == 3)
    }

    @Test("rejects characters that are no operator")
    func unexpectedCharacter() {
        let error = renderError("{{ a $ b }}")
        #expect(error?.kind == .syntax)
        #expect(error?.message == "unexpected char '$' at 5")
    }
}
