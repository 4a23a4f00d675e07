import JSON
import Testing
@testable import Jinja

@Suite("Interpreter")
struct InterpreterTests {
    static let data: JSONValue = [
        "n": 42, "f": 1.5, "s": "héllo", "t": true, "none": nil,
        "items": [1, 2, 3],
        "msg": ["role": "user", "content": "Hi", "items": "key named items"],
        "users": [["name": "Ann", "age": 31], ["name": "Bob", "age": 25]],
    ]

    @Test("prints values as Python's str() does", arguments: [
        ("{{ n }}|{{ f }}|{{ t }}|{{ none }}|{{ missing }}", "42|1.5|True|None|"),
        ("{{ items }}|{{ msg }}", "[1, 2, 3]|{'role': 'user', 'content': 'Hi', 'items': 'key named items'}"),
        ("{{ (1,) }}{{ ['it\\'s', \"q\\\"\"] }}", "(1,)[\"it's\", 'q\"']"),
        ("{{ 1e16 }}|{{ 0.1 + 0.2 }}|{{ 10 / 4 }}|{{ 7 // 2 }}|{{ -7 % 3 }}", "1e+16|0.30000000000000004|2.5|3|2"),
    ])
    func printing(source: String, expected: String) throws {
        #expect(try render(source, Self.data) == expected)
    }

    @Test("follows Python's attribute-then-item and item-then-attribute rules")
    func attributeAndItem() throws {
        #expect(try render("{{ msg.role }}|{{ msg['items'] }}|{{ msg.items is callable }}", Self.data)
            == "user|key named items|True")
        #expect(try render("{{ items.0 }}{{ items[-1] }}{{ s[1] }}{{ s[::-1] }}", Self.data) == "13éolléh")
    }

    @Test("gives each loop iteration a fresh scope and keeps sets inside loops from leaking")
    func loopScoping() throws {
        #expect(try render("{% set x = 0 %}{% for i in items %}{{ x }}{% set x = i %}{% endfor %}{{ x }}", Self.data)
            == "0000")
        #expect(try render("{% set ns = namespace(x=0) %}{% for i in items %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}",
                           Self.data) == "6")
    }

    @Test("offers loop.* including previtem, nextitem, cycle and changed")
    func loopContext() throws {
        let source = "{% for i in items %}{{ loop.index }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.last }}"
            + "[{{ loop.previtem }}|{{ loop.nextitem }}]{{ loop.cycle('a', 'b') }}{% endfor %}"
        #expect(try render(source, Self.data)
            == "12TrueFalse[|2]a21FalseFalse[1|3]b30FalseTrue[2|]a")
        #expect(try render("{% for i in [1, 1, 2] %}{{ loop.changed(i) }}{% endfor %}") == "TrueFalseTrue")
    }

    @Test("filters loop items, runs else on empty loops, honours break and continue")
    func loopControl() throws {
        #expect(try render("{% for i in items if i > 1 %}{{ i }}/{{ loop.length }} {% endfor %}", Self.data) == "2/2 3/2 ")
        #expect(try render("{% for i in [] %}x{% else %}empty{% endfor %}") == "empty")
        #expect(try render("{% for i in range(10) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 4 %}{% break %}{% endif %}{{ i }}{% endfor %}")
            == "023")
    }

    @Test("unpacks tuples and dict items in for loops")
    func unpacking() throws {
        #expect(try render("{% for k, v in msg.items() %}{{ k }}={{ v }};{% endfor %}", Self.data)
            == "role=user;content=Hi;items=key named items;")
        #expect(try render("{% for a, (b, c) in [(1, (2, 3))] %}{{ a }}{{ b }}{{ c }}{% endfor %}") == "123")
    }

    @Test("calls macros with defaults, keywords, varargs, kwargs and caller")
    func macros() throws {
        let source = """
            {% macro greet(name, greeting='Hello') %}{{ greeting }}, {{ name }}{{ varargs }}{{ kwargs }}{% endmacro %}\
            {{ greet('Ann') }}|{{ greet('Bob', 'Hi', 1, x=2) }}|\
            {% macro wrap(tag) %}<{{ tag }}>{{ caller() }}</{{ tag }}>{% endmacro %}\
            {% call wrap('p') %}inner{% endcall %}
            """
        #expect(try render(source) == "Hello, Ann(){}|Hi, Bob(1,){'x': 2}|<p>inner</p>")
    }

    @Test("lets macros see the variables around their definition at call time, not the caller's")
    func macroClosures() throws {
        #expect(try render("{% set g = 1 %}{% macro m() %}{{ g }}{{ z }}{% endmacro %}{% set g = 2 %}{% for z in [9] %}{{ m() }}{% endfor %}")
            == "2")
    }

    @Test("keeps the sandbox immutable")
    func sandbox() throws {
        let error = try #require(renderError("{{ items.append(4) }}", Self.data))
        #expect(error.kind == .security)
        #expect(error.message == "access to attribute 'append' of 'list' object is unsafe.")
        // The sandbox's refusal is an undefined value until it is used.
        #expect(try render("{{ items.append is defined }}", Self.data) == "False")
    }

    @Test("formats with % and str.format as Python does")
    func formatting() throws {
        #expect(try render("{{ '%s=%05.1f|%-3d|%x' % ('a', 2.25, 7, 255) }}") == "a=002.2|7  |ff")
        #expect(try render("{{ '{0}-{name:>4}'.format(1, name='x') }}") == "1-   x")
    }

    @Test("freezes strftime_now at the given local time")
    func frozenClock() throws {
        let now = LocalDateTime(year: 2025, month: 3, day: 14, hour: 9, minute: 26, second: 53)
        #expect(try render("{{ strftime_now('%d %b %Y %H:%M:%S %A') }}", now: now) == "14 Mar 2025 09:26:53 Friday")
    }

    @Test("wraps JSON without losing key order or the int/float distinction")
    func jsonFidelity() throws {
        let data = try JSONValue.parse(#"{"v": {"z": 1, "a": 1.0, "m": 1e-05, "big": 123456789012345678901234567890}}"#)
        #expect(try render("{{ v }}|{{ v | tojson }}", data)
            == "{'z': 1, 'a': 1.0, 'm': 1e-05, 'big': 123456789012345678901234567890}|"
            + #"{"z": 1, "a": 1.0, "m": 1e-05, "big": 123456789012345678901234567890}"#)
    }

    @Test("escapes through Markup the way markupsafe does")
    func markup() throws {
        #expect(try render("{{ 'a'|safe + '<b>' }}|{{ '<i>'|e }}|{{ ('x'|safe) ~ '<' }}") == "a&lt;b&gt;|&lt;i&gt;|x<")
    }
}
