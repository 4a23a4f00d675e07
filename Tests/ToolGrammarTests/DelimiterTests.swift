import JSON
import Testing
import ToolGrammar
import ToolParsing

/// Free text inside a call may say anything except the exact markers that would end the call early.
@Suite("Markers inside call text", .oneAtATime)
struct DelimiterTests {
    static let echo: [JSONValue] = [[
        "type": "function",
        "function": ["name": "echo", "parameters": ["type": "object", "properties": ["text": ["type": "string"]],
                                                    "required": ["text"]]],
    ]]

    /// Texts that come close to some family's markers without being one.
    static let nearMarkers = [
        "</tool_call", "<tool_call >", "</parameter", "<parameter", "</function", "</arg_value", "<arg_value>",
        "<|tool_call_end|", "<|tool_call_begin", "<｜tool▁call▁end", "<｜tool▁call▁begin", "a < b > c", "<<>>",
        "\"quoted\" 'single' \\backslash", "日本語 😀", "", "x", "[TOOL_CALLS", "```json",
    ]

    static let families = Repository.familyNames

    /// The continuation after the prefill of the family's rendering of `echo(text)`.
    static func continuation(_ family: Family, text: String) throws -> (prefill: String, output: String) {
        guard let prefill = family.prefill(functionName: "echo") else { throw Unexpected("no prefill") }
        let rendered = family.render(calls: [(name: "echo", arguments: JSONValue.object(["text": .string(text)])
            .serialized())])
        guard rendered.hasPrefix(prefill) else { throw Unexpected("rendering does not start with the prefill") }
        return (prefill, String(rendered.dropFirst(prefill.count)))
    }

    static func matcher(_ family: Family) throws -> GrammarMatcher {
        let constraint = try ToolCallConstraintBuilder(family: family, tools: echo).gbnf(.named("echo"), parallel: false)
        guard case .gbnf(let text) = constraint.form else { throw Unexpected("not GBNF") }
        return try GrammarMatcher(try GrammarChecker.check(gbnf: text))
    }

    @Test("text near the markers is allowed and reads back exactly", arguments: families)
    func nearMarkersPass(_ name: String) throws {
        let family = try Repository.family(name)
        let matcher = try Self.matcher(family)
        for text in Self.nearMarkers {
            let (prefill, output) = try Self.continuation(family, text: text)
            let matched = matcher.matches(output)
            #expect(matched, "\(name): \(output.debugDescription)")
            let parsed = family.parse(output, options: ParserOptions(tools: ToolSchemas(tools: .array(Self.echo)),
                                                                     prefill: prefill))
            let arguments = parsed.toolCalls.first.flatMap { try? JSONParser().parse($0.arguments) }
            #expect(arguments?["text"]?.stringValue == text, "\(name): \(text.debugDescription) → \(parsed)")
        }
    }

    @Test("a marker that would end the call early is refused, and it would indeed break the call",
          arguments: families)
    func markersRefused(_ name: String) throws {
        let family = try Repository.family(name)
        let layout = family.layout
        let matcher = try Self.matcher(family)
        for marker in layout.bodyDelimiters + layout.valueDelimiters {
            let text = "a" + marker + "b"
            let (prefill, output) = try Self.continuation(family, text: text)
            let matched = matcher.matches(output)
            #expect(!matched, "\(name): allows \(marker.debugDescription) in a value")
            let parsed = family.parse(output, options: ParserOptions(tools: ToolSchemas(tools: .array(Self.echo)),
                                                                     prefill: prefill))
            let arguments = parsed.toolCalls.first.flatMap { try? JSONParser().parse($0.arguments) }
            #expect(arguments?["text"]?.stringValue != text || !parsed.diagnostics.isEmpty,
                    "\(name): \(marker.debugDescription) does not break the call, yet it is refused")
        }
    }

    @Test("families whose calls end by searching for a marker have delimiters; self-delimiting ones have none")
    func layouts() throws {
        let expected: [String: [String]] = [
            "hermes": [], "llama3_json": [], "mistral": [], "pythonic": [], "lfm2": [], "command_r7b": [],
            "qwen3_coder": ["</function>", "</tool_call>", "<tool_call>"],
            "glm45": ["</tool_call>", "<tool_call>"],
            "kimi_k2": ["<|tool_call_end|>", "<|tool_call_begin|>"],
        ]
        for (name, delimiters) in expected {
            #expect(try Repository.family(name).layout.bodyDelimiters == delimiters, "\(name)")
        }
        #expect(try Repository.family("qwen3_coder").layout.valueDelimiters
            == ["</parameter>", "<parameter=", "</function>"])
        #expect(try Repository.family("glm45").layout.valueDelimiters == ["</arg_value>"])
    }
}
