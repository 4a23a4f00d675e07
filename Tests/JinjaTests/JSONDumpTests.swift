import JSON
import Testing
@testable import Jinja

@Suite("tojson")
struct JSONDumpTests {
    @Test("escapes quotes, backslashes and control characters at every position, like json.dumps")
    func escapesEverywhere() throws {
        for special in ["\"", "\\", "\n", "\u{01}", "\u{1F}", "é", "\t"] {
            for position in 0..<40 {
                let text = String(repeating: "a", count: position) + special + String(repeating: "b", count: 40 - position)
                let expected = text.jsonQuoted()
                let rendered = try render("{{ s | tojson }}", ["s": .string(text)])
                #expect(rendered == expected, "\(special.debugDescription) at \(position)")
                let inObject = try render("{{ o | tojson }}", ["o": ["k": .string(text)]])
                #expect(inObject == "{\"k\": \(expected)}")
            }
        }
    }

    @Test("copies number literals Python would print the same way, and reprints the others", arguments: [
        ("1", "1"), ("-0", "0"), ("1.5", "1.5"), ("100.0", "100.0"), ("1.50", "1.5"), ("1E5", "100000.0"),
        ("0.0001", "0.0001"), ("0.00001", "1e-05"), ("1e16", "1e+16"), ("12345678901234567890", "12345678901234567890"),
        ("0.1000000000000000055511151231257827", "0.1"), ("-90.0", "-90.0"), ("48.8566", "48.8566"),
    ])
    func numbers(literal: String, expected: String) throws {
        let value = try JSONValue.parse("[\(literal)]")
        #expect(try render("{{ v | tojson }}", ["v": value]) == "[\(expected)]")
    }

    @Test("serializes template-made values: tuples as arrays, non-string keys as strings (1 and True are one key)")
    func templateValues() throws {
        #expect(try render("{{ {'t': (1, 2), 1: 'a', none: 'b', true: 'c', 1.5: 'd'} | tojson }}")
            == #"{"t": [1, 2], "1": "c", "null": "b", "1.5": "d"}"#)
    }

    @Test("indents like json.dumps, with strings or numbers")
    func indentation() throws {
        #expect(try render("{{ {'a': [1, {}], 'b': []} | tojson(indent=2) }}")
            == "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}")
        #expect(try render("{{ [1] | tojson(indent='\\t') }}") == "[\n\t1\n]")
    }
}
