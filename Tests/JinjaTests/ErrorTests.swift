import JSON
import Testing
@testable import Jinja

@Suite("Errors")
struct ErrorTests {
    static let data: JSONValue = ["msg": ["role": "user"], "items": [1, 2], "none": nil, "d": ["k": 1]]

    @Test("raise the exception class and message jinja2 raises", arguments: [
        ("{{ raise_exception('System role not supported') }}", "TemplateError: System role not supported"),
        ("{{ msg.content.strip() }}", "UndefinedError: 'dict object' has no attribute 'content'"),
        ("{{ missing.attr }}", "UndefinedError: 'missing' is undefined"),
        ("{{ items[5].x }}", "UndefinedError: list object has no element 5"),
        ("{{ 'a' + d }}", #"TypeError: can only concatenate str (not "dict") to str"#),
        ("{{ 1 + 'a' }}", "TypeError: unsupported operand type(s) for +: 'int' and 'str'"),
        ("{% for x in none %}{% endfor %}", "TypeError: 'NoneType' object is not iterable"),
        ("{{ 1 // 0 }}", "ZeroDivisionError: integer division or modulo by zero"),
        ("{{ {[1]: 2} }}", "TypeError: unhashable type: 'list'"),
        ("{% macro m(a) %}{% endmacro %}{{ m(1, 2) }}", "TypeError: macro 'm' takes not more than 1 argument(s)"),
        ("{% set ns = namespace() %}{% set ns._x = 1 %}", "SecurityError: namespace attribute '_x' is not allowed (underscore-prefixed)"),
        ("{% for a, b in [(1, 2, 3)] %}{% endfor %}", "ValueError: too many values to unpack (expected 2)"),
        ("{{ range(200000) | length }}", "OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000)."),
        ("{% include 'x.jinja' %}", "TypeError: no loader for this environment specified"),
    ])
    func runtimeErrors(source: String, expected: String) throws {
        let error = try #require(renderError(source, Self.data))
        #expect(error.description == expected)
    }

    @Test("carry the line, column and a caret snippet of where they arose")
    func location() throws {
        let source = "line one\n{% if true %}\n  {{- msg.content.strip() }}\n{% endif %}"
        let error = try #require(renderError(source, Self.data))
        // At the method called on the undefined value.
        #expect(error.line == 3)
        #expect(error.column == 19)
        #expect(error.snippet == "      {{- msg.content.strip() }}\n" + String(repeating: " ", count: 22) + "^")
        #expect(error.detailedDescription.hasPrefix("UndefinedError: 'dict object' has no attribute 'content'\n  at line 3, column 19"))
    }

    @Test("locate errors inside macros at the failing expression in the macro body")
    func locationInMacro() throws {
        let source = "{% macro m(x) %}\n{{ x + 1 }}\n{% endmacro %}\n{{ m('a') }}"
        let error = try #require(renderError(source))
        #expect(error.kind == .type)
        #expect(error.line == 2)
    }
}
