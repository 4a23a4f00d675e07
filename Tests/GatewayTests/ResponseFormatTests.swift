import FakeBackend
import Gateway
import JSON
import Testing
import ToolGrammar

/// `response_format` on a backend that can constrain decoding: the answer's content is held to the schema.
@Suite("Structured answers (response_format)")
struct ResponseFormatTests {
    static let reportSchema: JSONValue = [
        "type": "object",
        "properties": ["city": ["type": "string"], "celsius": ["type": "integer"],
                       "sky": ["type": "string", "enum": ["clear", "cloudy"]]],
        "required": ["city", "celsius", "sky"], "additionalProperties": false,
    ]

    static let jsonSchemaFormat: JSONValue = [
        "type": "json_schema", "json_schema": ["name": "report", "strict": true, "schema": reportSchema],
    ]

    static let answer = #"{"city": "Paris", "celsius": 18, "sky": "cloudy"}"#

    @Test("json_schema without tools sends the schema's checked grammar (or the schema), and the answer is content",
          arguments: ConstraintTests.fieldCases)
    func schemaConstraint(_ testCase: ConstraintTests.FieldCase) async throws {
        try await withGateway(configure: { configuration, fake in
            ConstraintTests.addProfiles(&configuration, url: fake.baseURL)
        }) { gateway in
            gateway.fake.enqueue(FakeReply(Self.answer))
            let reply = try await gateway.chat(Chat.request(model: testCase.model, tools: nil,
                                                            extra: ["response_format": Self.jsonSchemaFormat]))
            let result = reply.chatResult(model: testCase.model)
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.content == Self.answer)
            #expect(result.toolCalls.isEmpty)

            let sent = try #require(gateway.completionRequests.last?.json)
            let present = ConstraintTests.constraintFields(in: sent)
            #expect(present == ConstraintTests.constraintFields(at: testCase.path),
                    "constraint fields sent: \(present)")
            guard let path = testCase.path, let content = testCase.content, let value = sent.at(path: path) else {
                return
            }
            switch content {
            case .gbnf:
                let text = try #require(value.stringValue)
                let matcher = try GrammarMatcher(try GrammarChecker.check(gbnf: text))
                #expect(matcher.matches(Self.answer), "the grammar refuses a valid answer:\n\(text)")
                for wrong in [#"{"city": "Paris", "celsius": 18.5, "sky": "cloudy"}"#,
                              #"{"city": "Paris", "celsius": 18, "sky": "rain"}"#, #"{"city": "Paris"}"#,
                              "It is 18 °C in Paris."] {
                    #expect(!matcher.matches(wrong), "allowed: \(wrong)")
                }
            case .jsonSchema:
                #expect(value == Self.reportSchema)
            case .tgiJSON:
                #expect(value["type"] == "json")
                #expect(value["value"] == Self.reportSchema)
            }
        }
    }

    @Test("json_object asks for any object; text, and requests with tools, send no constraint")
    func otherFormats() async throws {
        try await withGateway(configure: { configuration, fake in
            ConstraintTests.addProfiles(&configuration, url: fake.baseURL)
        }) { gateway in
            gateway.fake.enqueue(FakeReply(#"{"ok": true}"#))
            let object = try await gateway.chat(Chat.request(model: "c-llamacpp-default", tools: nil,
                                                             extra: ["response_format": ["type": "json_object"]]))
            #expect(object.status == 200, "\(object.text)")
            let grammar = try #require(gateway.completionRequests.last?.json?["grammar"]?.stringValue)
            let matcher = try GrammarMatcher(try GrammarChecker.check(gbnf: grammar))
            #expect(matcher.matches(#"{"ok": true}"#))
            #expect(!matcher.matches("[1, 2]"))

            let unconstrained: [([JSONValue]?, JSONValue)] = [(nil, ["type": "text"]), (Chat.tools, Self.jsonSchemaFormat)]
            for (tools, format) in unconstrained {
                gateway.fake.enqueue(FakeReply(HermesOutput.plain))
                let reply = try await gateway.chat(Chat.request(model: "c-llamacpp-default", tools: tools,
                                                                extra: ["response_format": format]))
                #expect(reply.status == 200, "\(reply.text)")
                let sent = try #require(gateway.completionRequests.last?.json)
                #expect(ConstraintTests.constraintPaths.allSatisfy { sent.at(path: $0) == nil })
            }
        }
    }

    @Test("a malformed response_format is a 400 naming the field", arguments: [
        (JSONValue.string("json"), "response_format", "invalid_type"),
        (["type": "yaml"], "response_format.type", "invalid_value"),
        (["type": "json_schema"], "response_format.json_schema", "missing_required_parameter"),
        (["type": "json_schema", "json_schema": ["schema": "object"]], "response_format.json_schema.schema",
         "invalid_type"),
    ] as [(JSONValue, String, String)])
    func malformed(format: JSONValue, param: String, code: String) async throws {
        try await withGateway { gateway in
            let reply = try await gateway.chat(Chat.request(model: "qwen-llamacpp", extra: ["response_format": format]))
            _ = expectError(reply, status: 400, type: "invalid_request_error", code: code, param: param)
        }
    }
}
