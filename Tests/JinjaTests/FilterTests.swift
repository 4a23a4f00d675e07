import JSON
import Testing
@testable import Jinja

@Suite("Filters and tests")
struct FilterTests {
    static let data: JSONValue = [
        "users": [["name": "Ann", "age": 31, "active": true], ["name": "bob", "age": 25], ["name": "Cid", "age": 31]],
        "words": ["b", "a", "C"],
        "schema": ["type": "object", "properties": ["q": ["type": "string"]]],
    ]

    @Test("implements jinja2's builtin filters", arguments: [
        ("{{ words | join(', ') }}", "b, a, C"),
        ("{{ words | sort | join }}", "abC"),
        ("{{ words | sort(case_sensitive=true) | join }}", "Cab"),
        ("{{ users | map(attribute='name') | join('/') }}", "Ann/bob/Cid"),
        ("{{ users | selectattr('active') | map(attribute='name') | list }}", "['Ann']"),
        ("{{ users | rejectattr('age', 'equalto', 31) | map(attribute='name') | first }}", "bob"),
        ("{{ users | sort(attribute='age,name') | map(attribute='name') | join }}", "bobAnnCid"),
        ("{{ users | groupby('age') | map(attribute='grouper') | list }}", "[25, 31]"),
        ("{{ [3, 1, 2] | max }}{{ [3, 1, 2] | min }}{{ [3, 1, 2] | sum }}", "316"),
        ("{{ [1, 2, 1] | unique | list }}", "[1, 2]"),
        ("{{ 'a b c d e f g h i j k' | truncate(9, true) }}", "a b c ..."),
        ("{{ '  x  ' | trim }}|{{ 'xXx' | lower }}|{{ 'hello world' | title }}", "x|xxx|Hello World"),
        ("{{ 'a\nb' | indent(2, true) }}", "  a\n  b"),
        ("{{ none | default('d') }}{{ missing | default('d') }}{{ '' | default('d', true) }}", "Nonedd"),
        ("{{ '3.7' | float + 1 }}|{{ '0x1f' | int(0, 16) }}|{{ 'x' | int(7) }}", "4.7|31|7"),
        ("{{ 2.5 | round }}|{{ 3.14159 | round(2) }}|{{ 2.7 | round(0, 'floor') }}", "2.0|3.14|2.0"),
        ("{{ schema | tojson }}", #"{"type": "object", "properties": {"q": {"type": "string"}}}"#),
        ("{{ schema.properties | tojson(indent=2) }}", "{\n  \"q\": {\n    \"type\": \"string\"\n  }\n}"),
        ("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}", #"{"a": 2, "b": 1}"#),
        ("{{ 'é' | tojson }}|{{ 'é' | tojson(ensure_ascii=true) }}", #""é"|"\u00e9""#),
        ("{{ schema | dictsort | first }}", "('properties', {'q': {'type': 'string'}})"),
        ("{{ [1, 2, 3, 4, 5] | batch(2) | list }}", "[[1, 2], [3, 4], [5]]"),
        ("{{ 'hello' | reverse }}|{{ [1, 2] | reverse | list }}", "olleh|[2, 1]"),
        ("{{ '%s-%s' | format('a', 'b') }}", "a-b"),
        ("{{ 'a&b' | e }}|{{ '<p>x</p>' | striptags }}", "a&amp;b|x"),
        ("{{ users | length }}{{ 'héllo' | length }}", "35"),
    ])
    func filters(source: String, expected: String) throws {
        #expect(try render(source, Self.data) == expected)
    }

    @Test("implements jinja2's builtin tests with Python's notion of types", arguments: [
        ("{{ 1 is number }}{{ true is number }}{{ 1 is integer }}{{ 1.0 is float }}", "TrueTrueTrueTrue"),
        ("{{ 'a' is string }}{{ schema is mapping }}{{ words is sequence }}{{ schema is sequence }}", "TrueTrueTrueTrue"),
        ("{{ missing is sequence }}{{ missing is iterable }}{{ none is iterable }}", "TrueTrueFalse"),
        ("{{ (users | map(attribute='name')) is iterable }}{{ (users | map(attribute='name')) is sequence }}", "TrueFalse"),
        ("{{ missing is defined }}{{ schema.type is defined }}{{ schema.nope is undefined }}", "FalseTrueTrue"),
        ("{{ 4 is even }}{{ 9 is divisibleby 3 }}{{ 2 is in [1, 2] }}{{ 'ab' is lower }}", "TrueTrueTrueTrue"),
    ])
    func tests(source: String, expected: String) throws {
        #expect(try render(source, Self.data) == expected)
    }

    @Test("returns single-pass generators where jinja2 does")
    func generators() throws {
        #expect(try render("{% set g = words | map('upper') %}{{ g | list }}{{ g | list }}", Self.data) == "['B', 'A', 'C'][]")
        let error = try #require(renderError("{{ words | map('upper') | tojson }}", Self.data))
        #expect(error.description == "TypeError: Object of type generator is not JSON serializable")
    }
}
