import JSON
import Testing
import ToolParsing

@Suite("JSON parser")
struct JSONParserTests {
    @Test("keeps object keys in the order written")
    func keyOrder() throws {
        let value = try JSONValue.parse(#"{"b": 1, "a": 2, "c": 3}"#)
        #expect(value.objectValue?.keys == ["b", "a", "c"])
    }

    @Test("keeps number literals exactly as written", arguments: [
        "0", "-0", "42", "-17", "3.0", "1e-05", "1E5", "2.5e+10", "123456789012345678901234567890", "0.1000",
    ])
    func numberLiterals(literal: String) throws {
        let value = try JSONValue.parse("[\(literal)]")
        #expect(value[0]?.numberValue?.literal == literal)
        #expect(value.serialized() == "[\(literal)]")
    }

    @Test("tells integers from floats", arguments: [("1", true), ("1.0", false), ("1e3", false), ("-5", true)])
    func integerness(literal: String, isInteger: Bool) throws {
        #expect(try JSONValue.parse(literal).numberValue?.isInteger == isInteger)
    }

    @Test("unescapes every JSON escape", arguments: [
        (#""a\"b""#, "a\"b"), (#""\\\/\b\f\n\r\t""#, "\\/\u{8}\u{c}\n\r\t"),
        (#""\u00e9\u4e2d""#, "é中"), (#""\ud83d\ude00""#, "😀"), (#""caf\u00E9 ok""#, "café ok"),
        (#""plain ünïcödé 東京""#, "plain ünïcödé 東京"),
    ])
    func escapes(json: String, text: String) throws {
        #expect(try JSONValue.parse(json) == .string(text))
    }

    @Test("a lone surrogate escape becomes U+FFFD instead of failing")
    func loneSurrogate() throws {
        #expect(try JSONValue.parse(#""a\ud800b""#) == .string("a\u{FFFD}b"))
    }

    @Test("a duplicate key keeps its first position and last value, as json.loads does")
    func duplicateKeys() throws {
        let value = try JSONValue.parse(#"{"a": 1, "b": 2, "a": 3}"#)
        #expect(value.objectValue?.keys == ["a", "b"])
        #expect(value["a"] == 3)
        let escaped = try JSONValue.parse(#"{"k": 1, "\u006b": 2}"#)
        #expect(escaped.objectValue?.keys == ["k"])
        #expect(escaped["k"] == 2)
    }

    @Test("nested objects keep each level's keys apart, and repeats are found at every level")
    func nestedObjects() throws {
        let text = #"{"a": {"x": 1, "y": {"p": 1, "q": 2, "p": 3}, "x": 2}, "b": {"c": {"d": {}}}, "a": 0, "e": [{"k": 1}]}"#
        let value = try JSONValue.parse(text)
        #expect(value.objectValue?.keys == ["a", "b", "e"])
        #expect(value["a"] == 0)
        let inner = try JSONValue.parse(#"{"o": {"x": 1, "y": {"p": 1, "q": 2, "p": 3}, "x": 2}}"#)
        #expect(inner["o"]?.objectValue?.keys == ["x", "y"])
        #expect(inner["o"]?["x"] == 2)
        #expect(inner["o"]?["y"]?.objectValue?.keys == ["p", "q"])
        #expect(inner["o"]?["y"]?["p"] == 3)
    }

    @Test("a large object with a repeated key is deduplicated too")
    func duplicateKeysLarge() throws {
        let members = (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ", ")
        let value = try JSONValue.parse("{\(members), \"k7\": 700}")
        #expect(value.objectValue?.count == 40)
        #expect(value["k7"] == 700)
    }

    @Test("parses every kind of value and nesting")
    func structure() throws {
        let value = try JSONValue.parse(#" {"a": [1, 2.5, true, false, null, "s", {"b": []}, {}]} "#)
        #expect(value == ["a": [1, 2.5, true, false, nil, "s", ["b": []], [:]]])
    }

    @Test("rejects bad input with the offset, line, column and what was expected", arguments: [
        ("{\"a\" 1}", 5, 1, 6, "':' after an object key"),
        ("[1, 2,]", 6, 1, 7, "a value"),
        ("{\n  \"a\": tru }", 12, 2, 11, "'true'"),
        ("[1 2]", 3, 1, 4, "',' or ']'"),
        ("\"abc", 4, 1, 5, "'\"' closing the string"),
        ("{\"a\": 1} x", 9, 1, 10, "end of input"),
        ("01", 1, 1, 2, "end of input"),
        ("\"\\x\"", 1, 1, 2, "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX"),
    ] as [(String, Int, Int, Int, String)])
    func errors(json: String, offset: Int, line: Int, column: Int, expected: String) {
        #expect {
            try JSONValue.parse(json)
        } throws: { error in
            guard let error = error as? JSONError else { return false }
            return error.offset == offset && error.line == line && error.column == column
                && error.expected == expected && !error.description.isEmpty
        }
    }

    @Test("tells a truncated text from an invalid one", arguments: [
        ("{\"a\": [1, 2", true), ("{\"name\": \"f", true), ("[tr", true), ("{\"a\": 1.", true), ("[-", true),
        ("\"\\u00", true), ("{\"a\": x", false), ("[1,,", false), ("{\"a\" 1", false),
    ])
    func truncation(json: String, truncated: Bool) {
        do {
            _ = try JSONValue.parse(json)
            Issue.record("parsed an incomplete text")
        } catch {
            #expect(error.isTruncation == truncated, "\(error)")
        }
    }

    @Test("parsePrefix returns the value and where it ended, leaving the rest")
    func prefix() throws {
        let text: Substring = #"xx {"name": "f", "arguments": {}} trailing"#
        let (value, end) = try JSONParser().parsePrefix(text, from: 2)
        #expect(value["name"] == "f")
        #expect(end == 33)
    }

    @Test("parsePrefix reports a number touching the end of a non-final buffer as truncated")
    func prefixNumber() throws {
        let parser = JSONParser()
        #expect(throws: JSONError.self) { try parser.parsePrefix("12", final: false) }
        #expect(try parser.parsePrefix("12", final: true).value == 12)
        #expect(try parser.parsePrefix("12 ", final: false).value == 12)
    }

    @Test("rejects raw control characters and invalid UTF-8 inside strings")
    func strictStrings() {
        #expect(throws: JSONError.self) { try JSONValue.parse("\"a\nb\"") }
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
        #expect(throws: JSONError.self) { try JSONValue.parse([0x22, 0x5C, 0x6E, 0xFF, 0x22]) }
    }

    @Test("bounds nesting depth instead of exhausting the stack")
    func depthLimit() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONError.self) { try JSONValue.parse(deep) }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(try JSONValue.parse(ok).arrayValue?.count == 1)
    }

    @Test("never crashes on arbitrary bytes")
    func fuzz() throws {
        var rng = SplitMix64(seed: 7)
        let alphabet = Array(#"{}[]":,.-+eE0123456789truefalsn \"#.utf8) + [0x0A, 0xC3, 0xA9, 0xFF]
        for _ in 0..<20_000 {
            let length = Int(rng.next() % 24)
            let bytes = (0..<length).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            if let value = try? JSONValue.parse(bytes) {
                #expect(try JSONValue.parse(value.serialized()).isIdentical(to: value))
            }
        }
    }
}
