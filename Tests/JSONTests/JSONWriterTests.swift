import JSON
import Testing

@Suite("JSON writer")
struct JSONWriterTests {
    let sample: JSONValue = ["b": [1, 2.5, "x"], "a": ["nested": true, "none": nil], "e": [:], "l": []]

    @Test("writes each format exactly", arguments: [
        (JSONFormat.compact, #"{"b":[1,2.5,"x"],"a":{"nested":true,"none":null},"e":{},"l":[]}"#),
        (JSONFormat.python, #"{"b": [1, 2.5, "x"], "a": {"nested": true, "none": null}, "e": {}, "l": []}"#),
        (JSONFormat(itemSeparator: ",", keySeparator: ": ", indent: 2),
         "{\n  \"b\": [\n    1,\n    2.5,\n    \"x\"\n  ],\n  \"a\": {\n    \"nested\": true,\n    \"none\": null\n  },\n  \"e\": {},\n  \"l\": []\n}"),
        (JSONFormat(sortKeys: true), #"{"a":{"nested":true,"none":null},"b":[1,2.5,"x"],"e":{},"l":[]}"#),
    ])
    func formats(format: JSONFormat, expected: String) {
        #expect(sample.serialized(format) == expected)
    }

    @Test("escapes strings as json.dumps does", arguments: [
        ("quote\" back\\ nl\n tab\t cr\r bs\u{8} ff\u{c} nul\u{0} us\u{1f} del\u{7f}",
         #""quote\" back\\ nl\n tab\t cr\r bs\b ff\f nul\u0000 us\u001f del\#u{7f}""#, false),
        ("é中😀", #""é中😀""#, false),
        ("é中😀\u{7f}", #""\u00e9\u4e2d\ud83d\ude00\u007f""#, true),
    ])
    func escaping(text: String, expected: String, ensureASCII: Bool) {
        #expect(text.jsonQuoted(ensureASCII: ensureASCII) == expected)
    }

    @Test("python numbers print what Python prints for the parsed value", arguments: [
        ("1", "1"), ("-0", "0"), ("1.0", "1.0"), ("1E5", "100000.0"), ("1e-05", "1e-05"), ("0.0001", "0.0001"),
        ("1e16", "1e+16"), ("1e15", "1000000000000000.0"), ("9999999999999998.0", "9999999999999998.0"),
        ("37.777777777777777777", "37.77777777777778"), ("2.50", "2.5"), ("-0.0", "-0.0"), ("1e400", "Infinity"),
        ("123456789012345678901234567890", "123456789012345678901234567890"), ("1.5e-7", "1.5e-07"),
        ("5e-324", "5e-324"), ("1.7976931348623157e308", "1.7976931348623157e+308"), ("0.1", "0.1"),
    ])
    func pythonNumbers(literal: String, expected: String) throws {
        let number = try #require(JSONNumber(literal: literal))
        #expect(number.pythonRepr == expected)
    }

    @Test("JSONNumber(literal:) accepts only JSON numbers", arguments: ["01", "1.", ".5", "+1", "1e", "--1", "", "NaN"])
    func invalidLiterals(literal: String) {
        #expect(JSONNumber(literal: literal) == nil)
    }

    @Test("equality is Python's: key order ignored, 1 == 1.0, booleans are not numbers")
    func equality() throws {
        #expect(try JSONValue.parse(#"{"a": 1, "b": [1.0]}"#) == JSONValue.parse(#"{"b": [1], "a": 1.0}"#))
        #expect(try !JSONValue.parse(#"{"a": 1}"#).isIdentical(to: JSONValue.parse(#"{"a": 1.0}"#)))
        #expect(JSONValue.bool(true) != 1)
        #expect(try JSONValue.parse("123456789012345678901234567890") != JSONValue.parse("123456789012345678901234567891"))
    }

    @Test("parse then write gives back the same text for compact input")
    func roundTrip() throws {
        let text = #"{"z":[1,-2.50e3,"é\n",{"k":null}],"a":false}"#
        #expect(try JSONValue.parse(text).serialized() == text)
    }

    @Test("object members can be set, replaced and removed in place")
    func objectEditing() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 10
        object["c"] = 3
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object["a"] == 10)
        #expect(object.removeValue(forKey: "c") == 3)
        #expect(object.count == 1)
    }
}
