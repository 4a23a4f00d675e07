import ChatTemplate
import JSON
import Jinja
import Testing

@Suite("Message preparation")
struct MessagePreparationTests {
    /// Renders each message as Python repr so the prepared data is visible.
    static let inspector = "{% for m in messages %}{{ m }}\n{% endfor %}"

    private func prepared(_ messages: [JSONValue], compatibility: TransformersCompatibility = .v5) throws -> String {
        try ChatTemplate(source: Self.inspector).render(ChatRenderInput(messages: messages, compatibility: compatibility))
    }

    @Test("parses string tool-call arguments into JSON, keeps invalid JSON as the string")
    func arguments() throws {
        let message: JSONValue = ["role": "assistant", "content": nil, "tool_calls": [
            ["id": "a", "type": "function", "function": ["name": "f", "arguments": #"{"x": 1, "y": [true]}"#]],
            ["id": "b", "type": "function", "function": ["name": "g", "arguments": "{not json"]],
        ]]
        #expect(try prepared([message]) == """
            {'role': 'assistant', 'tool_calls': [{'id': 'a', 'type': 'function', 'function': {'name': 'f', \
            'arguments': {'x': 1, 'y': [True]}}}, {'id': 'b', 'type': 'function', 'function': {'name': 'g', \
            'arguments': '{not json'}}]}\n
            """)
    }

    @Test("drops null keys and mirrors reasoning as thinking and reasoning_content (transformers 5)")
    func transformers5() throws {
        let message: JSONValue = ["role": "assistant", "content": "Hi", "reasoning": "why", "name": nil]
        #expect(try prepared([message])
            == "{'thinking': 'why', 'role': 'assistant', 'content': 'Hi', 'reasoning': 'why', 'reasoning_content': 'why'}\n")
    }

    @Test("passes messages through unchanged for transformers 4")
    func transformers4() throws {
        let message: JSONValue = ["role": "assistant", "content": nil, "reasoning_content": "r"]
        #expect(try prepared([message], compatibility: .v4)
            == "{'role': 'assistant', 'content': None, 'reasoning_content': 'r'}\n")
    }

    @Test("hands the template its variables in transformers' order")
    func variableOrder() throws {
        let input = ChatRenderInput(messages: [["role": "user", "content": "x"]], tools: [["type": "function"]],
                                    addGenerationPrompt: true, specialTokens: [("bos_token", "<s>"), ("eos_token", "</s>")],
                                    extra: ["eos_token": "override", "enable_thinking": false])
        let names = try ChatTemplate(source: "").variables(for: input).map(\.0)
        #expect(names == ["messages", "tools", "documents", "add_generation_prompt", "bos_token", "eos_token",
                          "eos_token", "enable_thinking"])
        #expect(try ChatTemplate(source: "{{ eos_token }}|{{ tools | length }}|{{ documents }}").render(input)
            == "override|1|None")
    }

    @Test("refuses extra variables that would replace the conversation")
    func reservedNames() {
        let input = ChatRenderInput(messages: [["role": "user", "content": "x"]], extra: ["messages": []])
        #expect(throws: ChatTemplateError.self) { try ChatTemplate(source: "").render(input) }
    }

    @Test("reads a render case with tokens, extra, now and documents")
    func caseFile() throws {
        let input = try ChatRenderInput(case: [
            "messages": [["role": "user", "content": "x"]], "documents": [["title": "t", "text": "d"]],
            "bos_token": "<s>", "special_tokens": ["pad_token": "<pad>"], "extra": ["k": 1],
            "add_generation_prompt": true, "now": "2025-03-14T09:26:53",
        ])
        #expect(input.specialTokens.map(\.name) == ["bos_token", "pad_token"])
        #expect(input.now == LocalDateTime(year: 2025, month: 3, day: 14, hour: 9, minute: 26, second: 53))
        #expect(input.addGenerationPrompt)
        #expect(input.documents?.count == 1)
    }
}
