import JSON
import Testing
@testable import ToolParsing

@Suite("Body kinds")
struct BodyKindTests {
    @Test("schema typing turns raw text into the parameter's type and keeps text that does not read as it",
          arguments: [
              (#"{"type": "integer"}"#, "42", "42"),
              (#"{"type": "integer"}"#, "forty", #""forty""#),
              (#"{"type": "number"}"#, "3.14", "3.14"),
              (#"{"type": "float"}"#, "1.", "1.0"),
              (#"{"type": "boolean"}"#, "True", "true"),
              (#"{"type": "object"}"#, "{'a': None}", #"{"a":null}"#),
              (#"{"type": "array"}"#, #"["a", 1]"#, #"["a",1]"#),
              (#"{"type": ["string", "null"]}"#, "null", "null"),
              (#"{"type": "string"}"#, "null", #""null""#),
              (#"{"type": ["string", "integer"]}"#, "42", "42"),
              (#"{"type": ["string", "object"]}"#, "{not json", #""{not json""#),
              (#"{"anyOf": [{"type": "integer"}, {"type": "null"}]}"#, "5", "5"),
              (#"{"anyOf": [{"type": "string"}, {"type": "integer"}, {"type": "null"}]}"#, "some text", #""some text""#),
              (#"{"enum": ["celsius", "fahrenheit"]}"#, "celsius", #""celsius""#),
              (#"{}"#, "12", #""12""#),
          ])
    func schemaTyping(schema: String, raw: String, expected: String) throws {
        let value = SchemaTyping.convert(raw, schema: try JSONValue.parse(schema))
        #expect(value.serialized() == expected)
    }

    @Test("Python literals read as JSON values and repr writes them back", arguments: [
        ("'it\\'s'", #""it's""#), ("\"a\" 'b'", #""ab""#), ("r'\\d+'", #""\\d+""#), ("[1, (2, 3), {'k': None}]", #"[1,[2,3],{"k":null}]"#),
        ("-1_000", "-1000"), ("0x1F", "31"), ("1e3", "1e3"), (".5", "0.5"), ("'\\u00e9\\x41\\n'", #""éA\n""#),
        ("True", "true"), ("{1: 'a'}", #"{"1":"a"}"#),
    ])
    func pythonLiterals(text: String, json: String) throws {
        let value = try #require(PythonLiteral.parse(text))
        #expect(value.serialized() == json)
        #expect(PythonLiteral.parse(PythonLiteral.repr(value)) == value)
    }

    @Test("what Python literals cannot hold is refused", arguments: ["b'z'", "f'x'", "{1, 2}", "x", "'open", "1 + 2"])
    func pythonRefusals(text: String) {
        #expect(PythonLiteral.parse(text) == nil)
    }

    @Test("a Mistral array keeps good calls and gives bad elements to content")
    func arrayWithBadElement() {
        let family = Repository.family("mistral")
        let text = #"[TOOL_CALLS] [{"name": "a", "arguments": {}}, {"oops": 1}, {"name": "b", "arguments": {"x": 2}}]"#
        let message = family.parse(text, options: Drive.options())
        #expect(message.toolCalls.map(\.name) == ["a", "b"])
        #expect(message.content == #"{"oops": 1}"#)
        #expect(message.diagnostics.map(\.kind) == [.rejectedPart])
    }

    @Test("XML parameters keep a value's own newlines and indentation, trimming one structural newline")
    func xmlTrimming() {
        let family = Repository.family("qwen3_coder")
        let text = "<tool_call>\n<function=edit>\n<parameter=new>\n\n  indented\n\n</parameter>\n</function>\n</tool_call>"
        let message = family.parse(text, options: Drive.options())
        #expect(message.toolCalls.first?.arguments == #"{"new":"\n  indented\n"}"#)
    }
}
