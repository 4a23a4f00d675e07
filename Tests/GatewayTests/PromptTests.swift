import FakeBackend
import Foundation
import JSON
import Testing

/// The prompt the backend receives: the chat template's rendering of the request, plus what `tool_choice` asks for.
@Suite("Prompts sent to the backend")
struct PromptTests {
    /// For each family: a model, and what the model writes after the prefill for `required` and for a named call.
    struct PrefillCase: Sendable, CustomTestStringConvertible {
        var model: String
        var family: String
        var afterRequired: String
        var afterNamed: String
        var testDescription: String { family }
    }

    static let prefillCases = [
        PrefillCase(model: "qwen-llamacpp", family: "hermes",
                    afterRequired: "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
                    afterNamed: "{\"city\": \"Paris\"}}\n</tool_call>"),
        PrefillCase(model: "mistral", family: "mistral",
                    afterRequired: " [{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}]",
                    afterNamed: "{\"city\": \"Paris\"}"),
        PrefillCase(model: "llama3", family: "llama3_json",
                    afterRequired: "get_weather\", \"parameters\": {\"city\": \"Paris\"}}",
                    afterNamed: "{\"city\": \"Paris\"}}"),
    ]

    @Test("the prompt is the template's rendering of the conversation, tools included, for every default model",
          arguments: ["qwen-llamacpp", "qwen-openai", "qwen-tgi", "qwen-ollama", "mistral", "llama3"])
    func renderedPrompt(model: String) async throws {
        try await withGateway { gateway in
            let messages: [JSONValue] = [
                ["role": "system", "content": "Answer briefly; use the tools."],
                ["role": "user", "content": "Is it raining in Paris? « oui » ou \"non\"?"],
            ]
            let reply = try await gateway.chat(Chat.request(model: model, messages: messages))
            #expect(reply.status == 200, "\(reply.text)")
            let expected = try Fixtures.render(try gateway.profile(model), messages: messages, tools: Chat.tools)
            #expect(gateway.completionRequests.last?.prompt == expected)
        }
    }

    @Test("tool_choice required appends the family's prefill, and the continuation parses as the call",
          arguments: prefillCases, [false, true])
    func requiredPrefill(_ testCase: PrefillCase, stream: Bool) async throws {
        let family = try Fixtures.family(testCase.family)
        let prefill = try #require(family.prefill(functionName: nil))
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(testCase.afterRequired))
            let reply = try await gateway.chat(Chat.request(model: testCase.model, stream: stream,
                                                            extra: ["tool_choice": "required"]))
            let result = reply.chatResult(model: testCase.model)
            #expect(result.problems.isEmpty, "\(result.problems)")
            let rendered = try Fixtures.render(try gateway.profile(testCase.model), messages: [Chat.question],
                                               tools: Chat.tools)
            #expect(gateway.completionRequests.last?.prompt == rendered + prefill)
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
            #expect(result.toolCalls.first?.argumentsValue == ["city": "Paris"])
            #expect(result.text.isEmpty, "the prefill must not leak into content")
            #expect(result.finishReason == "tool_calls")
        }
    }

    @Test("a named tool_choice appends the prefill that opens that function's call", arguments: prefillCases,
          [false, true])
    func namedPrefill(_ testCase: PrefillCase, stream: Bool) async throws {
        let family = try Fixtures.family(testCase.family)
        let prefill = try #require(family.prefill(functionName: "get_weather"))
        #expect(prefill.contains("get_weather"))
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(testCase.afterNamed))
            let choice: JSONValue = ["type": "function", "function": ["name": "get_weather"]]
            let reply = try await gateway.chat(Chat.request(model: testCase.model, stream: stream,
                                                            extra: ["tool_choice": choice]))
            let result = reply.chatResult(model: testCase.model)
            #expect(result.problems.isEmpty, "\(result.problems)")
            let rendered = try Fixtures.render(try gateway.profile(testCase.model), messages: [Chat.question],
                                               tools: Chat.tools)
            #expect(gateway.completionRequests.last?.prompt == rendered + prefill)
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
            #expect(result.toolCalls.first?.argumentsValue == ["city": "Paris"])
            #expect(result.text.isEmpty)
        }
    }

    @Test("tool_choice none renders no tools and appends nothing",
          arguments: ["qwen-llamacpp", "mistral", "llama3"])
    func toolChoiceNone(model: String) async throws {
        try await withGateway { gateway in
            let reply = try await gateway.chat(Chat.request(model: model, extra: ["tool_choice": "none"]))
            #expect(reply.status == 200, "\(reply.text)")
            let profile = try gateway.profile(model)
            let withoutTools = try Fixtures.render(profile, messages: [Chat.question], tools: nil)
            let withTools = try Fixtures.render(profile, messages: [Chat.question], tools: Chat.tools)
            #expect(withoutTools != withTools)
            #expect(gateway.completionRequests.last?.prompt == withoutTools)
        }
    }

    @Test("with tool_choice none, call-shaped output is returned as text, never as a tool call",
          arguments: [false, true])
    func toolChoiceNoneOutput(stream: Bool) async throws {
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.textAndCall))
            let reply = try await gateway.chat(Chat.request(model: "qwen-llamacpp", stream: stream,
                                                            extra: ["tool_choice": "none"]))
            let result = reply.chatResult(model: "qwen-llamacpp")
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.toolCalls.isEmpty)
            #expect(result.text == HermesOutput.textAndCall)
            #expect(result.finishReason == "stop")
        }
    }

    @Test("chat_template_kwargs reach the template and override the profile's template arguments")
    func templateArguments() async throws {
        try await withGateway { gateway in
            let request = Chat.request(model: "llama3", extra: ["chat_template_kwargs": ["date_string": "01 Jan 2030"]])
            #expect(try await gateway.chat(request).status == 200)
            let prompt = try #require(gateway.completionRequests.last?.prompt)
            let expected = try Fixtures.render(try gateway.profile("llama3"), messages: [Chat.question],
                                               tools: Chat.tools, extra: ["date_string": "01 Jan 2030"])
            #expect(prompt == expected)
            #expect(prompt.contains("Today Date: 01 Jan 2030"))
        }
    }

    // MARK: Against transformers

    /// The shared cases that end with a generation prompt and have no RAG documents (the chat API has none).
    static let transformersCases: [String] = {
        guard Fixtures.sharedAvailable,
              let files = try? FileManager.default.contentsOfDirectory(atPath: Fixtures.sharedTemplates + "/cases")
        else { return [] }
        return files.filter { $0.hasSuffix(".json") }.sorted().compactMap { file in
            guard let data = FileManager.default.contents(atPath: Fixtures.sharedTemplates + "/cases/" + file),
                  let value = try? JSONParser().parse(Array(data)),
                  value["add_generation_prompt"]?.boolValue == true, value["documents"] == nil
            else { return nil }
            return String(file.dropLast(5))
        }
    }()

    @Test("the prompt for a shared case equals transformers' rendering with Qwen 2.5's template, byte for byte",
          .enabled(if: Fixtures.sharedAvailable, "../shared/fixtures/templates is absent: no transformers goldens"),
          arguments: transformersCases)
    func matchesTransformers(caseName: String) async throws {
        let base = Fixtures.sharedTemplates
        let caseData = try #require(FileManager.default.contents(atPath: "\(base)/cases/\(caseName).json"))
        let testCase = try JSONParser().parse(Array(caseData))
        let expectedPath = "\(base)/expected/Qwen-Qwen2.5-7B-Instruct__\(caseName).txt"
        let expected = try #require(FileManager.default.contents(atPath: expectedPath), "no golden \(expectedPath)")
        try await withGateway { gateway in
            var extra: JSONObject = [:]
            if let kwargs = testCase["extra"] { extra["chat_template_kwargs"] = kwargs }
            let messages = try #require(testCase["messages"]?.arrayValue)
            let request = Chat.request(model: "qwen-llamacpp", messages: messages, tools: testCase["tools"]?.arrayValue,
                                       extra: extra)
            let reply = try await gateway.chat(request)
            #expect(reply.status == 200, "\(reply.text)")
            let prompt = try #require(gateway.completionRequests.last?.prompt)
            #expect(Array(prompt.utf8) == Array(expected), "\(caseName)")
        }
    }
}
