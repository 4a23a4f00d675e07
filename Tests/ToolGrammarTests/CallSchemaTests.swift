import JSON
import Testing
import ToolGrammar
import ToolParsing

/// The JSON-schema form, for backends that take a JSON schema only.
@Suite("Call schemas for JSON-schema backends", .oneAtATime)
struct CallSchemaTests {
    static let tools = CallGrammarTests.tools

    /// The families with a JSON document form, and the prefill of each mode (required, named get_weather).
    static let documentFamilies: [(family: String, required: String, named: String)] = [
        ("hermes", "<tool_call>\n", "<tool_call>\n"),
        ("llama3_json", "", ""),
        ("mistral", "[TOOL_CALLS]", "[TOOL_CALLS]get_weather[ARGS]"),
        ("command_r7b", "<|START_ACTION|>", "<|START_ACTION|>"),
    ]

    @Test("families whose call is a JSON document after some prefill get a schema",
          arguments: documentFamilies.map(\.family))
    func documentForms(_ name: String) throws {
        let family = try Repository.family(name)
        let builder = ToolCallConstraintBuilder(family: family, tools: Self.tools)
        let expected = try #require(Self.documentFamilies.first { $0.family == name })
        #expect(try builder.jsonSchema(.anyTool, parallel: false).prefill == expected.required)
        #expect(try builder.jsonSchema(.named("get_weather"), parallel: false).prefill == expected.named)
    }

    @Test("families whose calls are not JSON documents get none", arguments: [
        "qwen3_coder", "seed_oss", "glm45", "pythonic", "lfm2", "deepseek_v3", "kimi_k2",
    ])
    func noDocumentForm(_ name: String) throws {
        let builder = ToolCallConstraintBuilder(family: try Repository.family(name), tools: Self.tools)
        #expect(throws: ToolGrammarError.self) { try builder.jsonSchema(.anyTool, parallel: false) }
        #expect(throws: ToolGrammarError.self) { try builder.jsonSchema(.named("get_weather"), parallel: false) }
    }

    /// Documents generated from the schema itself (through its own grammar) parse as valid calls.
    @Test("documents the schema allows parse, after the prefill, as valid calls", arguments: documentFamilies.flatMap {
        entry in [CallGrammarTests.Mode(family: entry.family, call: .anyTool, parallel: false),
                  CallGrammarTests.Mode(family: entry.family, call: .anyTool, parallel: true),
                  CallGrammarTests.Mode(family: entry.family, call: .named("search"), parallel: false)]
    })
    func documentsParse(_ mode: CallGrammarTests.Mode) throws {
        let family = try Repository.family(mode.family)
        let constraint = try ToolCallConstraintBuilder(family: family, tools: Self.tools)
            .jsonSchema(mode.call, parallel: mode.parallel)
        guard case .jsonSchema(let schema) = constraint.form else { throw Unexpected("not a schema") }
        let grammar = try JSONSchemaGrammar.grammar(for: schema)
        var sampler = GrammarSampler(grammar, seed: 3)
        for _ in 0..<30 {
            let document = sampler.sample()
            CallGrammarTests.expectCalls(family, prefill: constraint.prefill, output: document, mode: mode)
        }
    }

    @Test("a tool schema with $refs keeps working inside the call document")
    func referencesAreHoisted() throws {
        let tool: JSONValue = ["type": "function", "function": [
            "name": "order",
            "parameters": ["type": "object", "properties": ["item": ["$ref": "#/$defs/Item"]], "required": ["item"],
                           "$defs": ["Item": ["type": "object", "properties": ["sku": ["type": "string"]],
                                              "required": ["sku"]]]],
        ]]
        let family = try Repository.family("hermes")
        let constraint = try ToolCallConstraintBuilder(family: family, tools: [tool]).jsonSchema(.anyTool, parallel: false)
        guard case .jsonSchema(let schema) = constraint.form else { throw Unexpected("not a schema") }
        let validator = SchemaValidator(root: schema)
        #expect(validator.isValid(["name": "order", "arguments": ["item": ["sku": "A1"]]]))
        #expect(!validator.isValid(["name": "order", "arguments": ["item": [:]]]))
        #expect(schema["$defs"]?.objectValue?.keys == ["order-root"])
    }
}
