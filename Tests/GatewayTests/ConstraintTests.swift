import FakeBackend
import Foundation
import Gateway
import JSON
import Testing
import ToolGrammar

/// Constrained decoding for forced tool calls: `tool_choice: required` or a named function sends the backend a
/// grammar (or JSON schema) of a call in the family's format, in the field the dialect and profile name; it
/// continues the prompt's prefill, and the gateway checked it before sending.
@Suite("Constraints sent for forced tool calls")
struct ConstraintTests {
    /// Where a backend request can hold a constraint, by dialect; a request must hold at most the expected one.
    static let constraintPaths = [
        "grammar", "json_schema", "guided_json", "guided_grammar", "guided_regex", "structured_outputs", "format",
        "parameters.grammar", "response_format", "grammar_lazy", "grammar_triggers",
    ]

    /// The constraint fields a backend request holds.
    static func constraintFields(in sent: JSONValue) -> [String] {
        constraintPaths.filter { sent.at(path: $0) != nil }
    }

    /// The constraint fields a request with its constraint at `path` holds: that one and the objects around it.
    static func constraintFields(at path: String?) -> [String] {
        constraintPaths.filter { candidate in path.map { $0 == candidate || $0.hasPrefix(candidate + ".") } ?? false }
    }

    /// One dialect and `constraint_field` setting, and where the constraint must come.
    struct FieldCase: Sendable, CustomTestStringConvertible {
        enum Content: Sendable { case gbnf, jsonSchema, tgiJSON }

        var dialect: String
        var field: String?
        /// Dotted path of the constraint in the backend's request body, nil when none may be sent.
        var path: String?
        var content: Content?

        var model: String { "c-\(dialect)-\(field ?? "default")" }
        var testDescription: String { "\(dialect) \(field ?? "(default)")" }
    }

    static let fieldCases = [
        FieldCase(dialect: "llamacpp", field: nil, path: "grammar", content: .gbnf),
        FieldCase(dialect: "llamacpp", field: "json_schema", path: "json_schema", content: .jsonSchema),
        FieldCase(dialect: "llamacpp", field: "none", path: nil, content: nil),
        FieldCase(dialect: "openai", field: nil, path: nil, content: nil),
        FieldCase(dialect: "openai", field: "grammar", path: "grammar", content: .gbnf),
        FieldCase(dialect: "openai", field: "guided_grammar", path: "guided_grammar", content: .gbnf),
        FieldCase(dialect: "openai", field: "guided_json", path: "guided_json", content: .jsonSchema),
        FieldCase(dialect: "openai", field: "structured_outputs", path: "structured_outputs.grammar", content: .gbnf),
        FieldCase(dialect: "openai", field: "structured_outputs.json", path: "structured_outputs.json",
                  content: .jsonSchema),
        FieldCase(dialect: "tgi", field: nil, path: "parameters.grammar", content: .tgiJSON),
        FieldCase(dialect: "tgi", field: "none", path: nil, content: nil),
        FieldCase(dialect: "ollama", field: nil, path: "format", content: .jsonSchema),
        FieldCase(dialect: "ollama", field: "none", path: nil, content: nil),
    ]

    /// A forced choice, the call the fake model makes, and what it writes after each kind of prefill.
    struct ChoiceCase: Sendable, CustomTestStringConvertible {
        var label: String
        var toolChoice: JSONValue
        var functionName: String?
        /// After the hermes prefill for this choice (the grammar's continuation).
        var afterPrefill: String
        /// After `<tool_call>\n`, the prefill of the JSON-schema form: the call's JSON document.
        var document: String
        var testDescription: String { label }
    }

    static let choiceCases = [
        ChoiceCase(label: "required", toolChoice: "required", functionName: nil,
                   afterPrefill: #"{"name": "get_weather", "arguments": {"city": "Paris"}}"# + "\n</tool_call>",
                   document: #"{"name": "get_weather", "arguments": {"city": "Paris"}}"#),
        ChoiceCase(label: "named", toolChoice: ["type": "function", "function": ["name": "get_weather"]],
                   functionName: "get_weather", afterPrefill: #"{"city": "Paris"}}"# + "\n</tool_call>",
                   document: #"{"name": "get_weather", "arguments": {"city": "Paris"}}"#),
    ]

    /// Continuations no constraint for these tools may allow: an unknown tool, a wrong argument type, a value
    /// outside an enum, a missing required key.
    static let forbiddenDocuments = [
        #"{"name": "get_stock", "arguments": {"city": "Paris"}}"#,
        #"{"name": "get_weather", "arguments": {"city": 5}}"#,
        #"{"name": "get_weather", "arguments": {"city": "Paris", "unit": "kelvin"}}"#,
        #"{"name": "get_weather", "arguments": {"unit": "celsius"}}"#,
    ]

    static func addProfiles(_ configuration: inout GatewayConfiguration, url: String, constrain: Bool = true) {
        for testCase in fieldCases {
            var profile = Fixtures.qwenProfile(testCase.dialect, url: url)
            profile.name = testCase.model
            profile.constraintField = testCase.field
            profile.constrain = constrain
            configuration.models.append(profile)
        }
    }

    @Test("a forced call sends the constraint in the dialect's field, checked, continuing the prefill",
          arguments: fieldCases, choiceCases)
    func constraintField(_ testCase: FieldCase, _ choice: ChoiceCase) async throws {
        let family = try Fixtures.family("hermes")
        let familyPrefill = try #require(family.prefill(functionName: choice.functionName))
        try await withGateway(configure: { configuration, fake in
            Self.addProfiles(&configuration, url: fake.baseURL)
        }) { gateway in
            let schemaForm = testCase.content == .jsonSchema || testCase.content == .tgiJSON
            // The JSON-schema form continues `<tool_call>\n` with the whole document, the name included.
            let prefill = schemaForm ? "<tool_call>\n" : familyPrefill
            gateway.fake.enqueue(FakeReply(schemaForm ? choice.document : choice.afterPrefill))
            let reply = try await gateway.chat(Chat.request(model: testCase.model,
                                                            extra: ["tool_choice": choice.toolChoice]))
            #expect(reply.status == 200, "\(reply.text)")
            let result = reply.chatResult(model: testCase.model)
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
            #expect(result.toolCalls.first?.argumentsValue == ["city": "Paris"])
            #expect(result.text.isEmpty, "the prefill must not leak into content")
            #expect(result.finishReason == "tool_calls")

            let sent = try #require(gateway.completionRequests.last?.json)
            let rendered = try Fixtures.render(try gateway.profile(testCase.model), messages: [Chat.question],
                                               tools: Chat.tools)
            #expect(gateway.completionRequests.last?.prompt == rendered + prefill)
            let present = Self.constraintFields(in: sent)
            #expect(present == Self.constraintFields(at: testCase.path), "constraint fields sent: \(present)")
            guard let path = testCase.path, let content = testCase.content, let value = sent.at(path: path) else {
                return
            }
            switch content {
            case .gbnf:
                let text = try #require(value.stringValue, "a GBNF grammar is a string")
                let matcher = try GrammarMatcher(try GrammarChecker.check(gbnf: text))
                #expect(matcher.matches(choice.afterPrefill), "the grammar refuses the expected call:\n\(text)")
                for document in Self.forbiddenDocuments where choice.functionName == nil {
                    #expect(!matcher.matches(document + "\n</tool_call>"), "allowed: \(document)")
                }
                if choice.functionName != nil {
                    #expect(!matcher.matches(#"{"city": 5}}"# + "\n</tool_call>"))
                    #expect(!matcher.matches(#"{"unit": "celsius"}}"# + "\n</tool_call>"))
                }
            case .jsonSchema, .tgiJSON:
                let schema = content == .tgiJSON ? try #require(value["value"]) : value
                if content == .tgiJSON { #expect(value["type"] == "json") }
                let validator = SchemaValidator(root: schema)
                #expect(validator.problem(try JSONParser().parse(choice.document)) == nil)
                for document in Self.forbiddenDocuments {
                    #expect(!validator.isValid(try JSONParser().parse(document)), "allowed: \(document)")
                }
                if choice.functionName != nil {
                    let other = #"{"name": "get_time", "arguments": {"city": "Paris"}}"#
                    #expect(!validator.isValid(try JSONParser().parse(other)), "a named choice allowed another tool")
                }
            }
        }
    }

    @Test("streamed, a forced call under a grammar gives the same call",
          arguments: ["c-llamacpp-default", "c-openai-grammar", "c-tgi-default"])
    func streamed(model: String) async throws {
        try await withGateway(configure: { configuration, fake in
            Self.addProfiles(&configuration, url: fake.baseURL)
        }) { gateway in
            let output = model == "c-tgi-default" ? #"{"name": "get_weather", "arguments": {"city": "Paris"}}"#
                : #"{"name": "get_weather", "arguments": {"city": "Paris"}}"# + "\n</tool_call>"
            gateway.fake.enqueue(FakeReply(output, pieceCharacters: 1))
            let reply = try await gateway.chat(Chat.request(model: model, stream: true,
                                                            extra: ["tool_choice": "required"]))
            let result = reply.chatResult(model: model)
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
            #expect(result.toolCalls.first?.argumentsValue == ["city": "Paris"])
            #expect(result.text.isEmpty)
            #expect(result.finishReason == "tool_calls")
            let sent = try #require(gateway.completionRequests.last?.json)
            #expect(Self.constraintPaths.contains { sent.at(path: $0) != nil })
        }
    }

    @Test("auto, none and no tool_choice send no constraint", arguments: ["auto", "none", nil] as [String?])
    func unforced(choice: String?) async throws {
        try await withGateway(configure: { configuration, fake in
            Self.addProfiles(&configuration, url: fake.baseURL)
        }) { gateway in
            for testCase in Self.fieldCases {
                gateway.fake.enqueue(FakeReply(HermesOutput.plain))
                let extra: JSONObject = choice.map { ["tool_choice": .string($0)] } ?? [:]
                let reply = try await gateway.chat(Chat.request(model: testCase.model, extra: extra))
                #expect(reply.status == 200, "\(reply.text)")
                let sent = try #require(gateway.completionRequests.last?.json)
                let present = Self.constraintFields(in: sent)
                #expect(present.isEmpty, "\(testCase.testDescription): \(present)")
            }
        }
    }

    @Test("a profile with constrain off sends no constraint and keeps the prefill", arguments: choiceCases)
    func constrainOff(_ choice: ChoiceCase) async throws {
        let prefill = try #require(try Fixtures.family("hermes").prefill(functionName: choice.functionName))
        try await withGateway(configure: { configuration, fake in
            Self.addProfiles(&configuration, url: fake.baseURL, constrain: false)
        }) { gateway in
            for testCase in Self.fieldCases {
                gateway.fake.enqueue(FakeReply(choice.afterPrefill))
                let reply = try await gateway.chat(Chat.request(model: testCase.model,
                                                                extra: ["tool_choice": choice.toolChoice]))
                let result = reply.chatResult(model: testCase.model)
                #expect(result.toolCalls.map(\.name) == ["get_weather"], "\(testCase.testDescription)")
                let sent = try #require(gateway.completionRequests.last?.json)
                let present = Self.constraintFields(in: sent)
                #expect(present.isEmpty, "\(testCase.testDescription): \(present)")
                let rendered = try Fixtures.render(try gateway.profile(testCase.model), messages: [Chat.question],
                                                   tools: Chat.tools)
                #expect(sent["prompt"]?.stringValue ?? sent["inputs"]?.stringValue == rendered + prefill)
            }
        }
    }

    @Test("grammar fields a client sends never reach the backend", arguments: ["required", "auto"])
    func clientGrammarFields(choice: String) async throws {
        let invalid = #"root ::= ( "never closed""#
        let fields: JSONObject = [
            "grammar": .string(invalid), "guided_grammar": .string(invalid), "guided_json": ["$ref": "#/nowhere"],
            "json_schema": ["$ref": "#/nowhere"], "structured_outputs": ["grammar": .string(invalid)],
            "format": ["$ref": "#/nowhere"], "grammar_lazy": true, "tool_choice": .string(choice),
        ]
        try await withGateway { gateway in
            for dialect in Fixtures.dialects {
                let model = "qwen-\(dialect)"
                gateway.fake.enqueue(FakeReply(#"{"name": "get_weather", "arguments": {"city": "Paris"}}"#
                                               + "\n</tool_call>"))
                let reply = try await gateway.chat(Chat.request(model: model, extra: fields))
                #expect(reply.status == 200 || reply.status == 400, "\(reply.text)")
                for request in gateway.completionRequests {
                    let sent = try #require(request.json)
                    for path in Self.constraintPaths {
                        if let value = sent.at(path: path) {
                            let text = value.serialized()
                            #expect(!text.contains("never closed") && !text.contains("nowhere"),
                                    "\(dialect): the client's \(path) reached the backend")
                        }
                    }
                }
            }
        }
    }

    @Test("the constraint for a parallel required call allows several calls, a single one only one",
          arguments: [true, false])
    func parallelCalls(parallel: Bool) async throws {
        try await withGateway { gateway in
            let two = #"{"name": "get_weather", "arguments": {"city": "Paris"}}"# + "\n</tool_call>\n<tool_call>\n"
                + #"{"name": "get_time", "arguments": {"city": "Paris"}}"# + "\n</tool_call>"
            gateway.fake.enqueue(FakeReply(parallel ? two : ChoiceCases.requiredOutput))
            let reply = try await gateway.chat(Chat.request(model: "qwen-llamacpp", extra: [
                "tool_choice": "required", "parallel_tool_calls": .bool(parallel),
            ]))
            let result = reply.chatResult(model: "qwen-llamacpp")
            #expect(result.toolCalls.map(\.name) == (parallel ? ["get_weather", "get_time"] : ["get_weather"]))
            let sent = try #require(gateway.completionRequests.last?.json)
            let grammar = try #require(sent["grammar"]?.stringValue)
            let matcher = try GrammarMatcher(try GrammarChecker.check(gbnf: grammar))
            #expect(matcher.matches(two) == parallel)
            #expect(matcher.matches(ChoiceCases.requiredOutput))
        }
    }
}

private enum ChoiceCases {
    static let requiredOutput = #"{"name": "get_weather", "arguments": {"city": "Paris"}}"# + "\n</tool_call>"
}

extension JSONValue {
    /// The value at a dotted path of object keys (`parameters.grammar`), nil when absent or null.
    func at(path: String) -> JSONValue? {
        var value: JSONValue? = self
        for key in path.split(separator: ".") {
            value = value?[String(key)]
        }
        if case .null? = value { return nil }
        return value
    }
}
