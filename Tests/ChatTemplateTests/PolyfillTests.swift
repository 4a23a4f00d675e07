import ChatTemplate
import Foundation
import JSON
import Testing

@Suite("Tool-calling polyfill")
struct PolyfillTests {
    /// A Hermes-like family's pieces, as the gateway builds them from a family file.
    static let polyfill = ToolCallingPolyfill(
        toolInstructions: { tools in
            "You can call these tools:\n" + tools.map { $0.serialized(.python) }.joined(separator: "\n")
                + "\nCall one as <tool_call>{\"name\": ..., \"arguments\": ...}</tool_call>."
        },
        renderToolCalls: { calls in
            calls.map { #"<tool_call>{"name": "\#($0.name)", "arguments": \#($0.arguments.serialized(.compact))}</tool_call>"# }
                .joined(separator: "\n")
        },
        renderToolResult: { "<tool_response>\n\($0.content)\n</tool_response>" })

    static let weather: JSONValue = ["type": "function", "function": [
        "name": "get_weather", "description": "Weather now.",
        "parameters": ["type": "object", "properties": ["city": ["type": "string"]]],
    ]]

    static let conversation: [JSONValue] = [
        ["role": "system", "content": "Be brief."],
        ["role": "user", "content": "Weather in Paris?"],
        ["role": "assistant", "content": nil, "tool_calls": [
            ["id": "call_1", "type": "function", "function": ["name": "get_weather", "arguments": #"{"city":"Paris"}"#]],
        ]],
        ["role": "tool", "tool_call_id": "call_1", "content": "18 C"],
        ["role": "assistant", "content": "It is 18 C."],
    ]

    @Test("writes tools, calls and results as text for a template without tool calling")
    func chatml() throws {
        let source = try String(contentsOf: FixturePair.directory.appendingPathComponent("vllm-template_chatml.jinja"),
                                encoding: .utf8)
        let template = try ChatTemplate(source: source)
        let input = ChatRenderInput(messages: Self.conversation, tools: [Self.weather], addGenerationPrompt: true)
        let prompt = try template.render(input, polyfill: Self.polyfill)
        #expect(prompt == """
            <|im_start|>system
            Be brief.

            You can call these tools:
            {"type": "function", "function": {"name": "get_weather", "description": "Weather now.", \
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}
            Call one as <tool_call>{"name": ..., "arguments": ...}</tool_call>.<|im_end|>
            <|im_start|>user
            Weather in Paris?<|im_end|>
            <|im_start|>assistant
            <tool_call>{"name": "get_weather", "arguments": {"city":"Paris"}}</tool_call><|im_end|>
            <|im_start|>tool
            18 C<|im_end|>
            <|im_start|>assistant
            It is 18 C.<|im_end|>

            """)
    }

    @Test("turns tool results into user turns when the template cannot render tool messages")
    func toolResults() throws {
        let template = try ChatTemplate(source: """
            {% for m in messages %}{% if m.role not in ['user', 'assistant', 'system'] %}\
            {{ raise_exception('bad role') }}{% endif %}[{{ m.role }}]{{ m.content }}{% endfor %}
            """)
        #expect(!template.capabilities.supportsToolResponses)
        let messages: [JSONValue] = Array(Self.conversation.dropFirst()) + [
            ["role": "tool", "tool_call_id": "x", "content": "a"], ["role": "tool", "tool_call_id": "y", "content": "b"],
        ]
        let prompt = try template.render(ChatRenderInput(messages: messages, tools: [Self.weather]),
                                         polyfill: Self.polyfill)
        #expect(prompt.contains("[user]<tool_response>\n18 C\n</tool_response>[assistant]It is 18 C."))
        #expect(prompt.hasSuffix("[user]<tool_response>\na\n</tool_response>\n<tool_response>\nb\n</tool_response>"))
        #expect(prompt.hasPrefix("[system]You can call these tools:"))
    }

    @Test("leaves conversations untouched for templates with native tool calling")
    func native() throws {
        let source = try String(contentsOf: FixturePair.directory.appendingPathComponent("Qwen-Qwen3-0.6B.jinja"),
                                encoding: .utf8)
        let template = try ChatTemplate(source: source)
        var messages = Self.conversation
        messages[2] = ["role": "assistant", "content": "", "tool_calls": Self.conversation[2]["tool_calls"] ?? []]
        let input = ChatRenderInput(messages: messages, tools: [Self.weather], addGenerationPrompt: true)
        #expect(try template.render(input, polyfill: Self.polyfill) == template.render(input))
    }

    @Test("merges the system prompt into the first user turn when the template has no system role")
    func noSystemRole() throws {
        let template = try ChatTemplate(source: """
            {% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('System role not supported') }}\
            {% endif %}[{{ m.role }}]{{ m.content }}{% endfor %}
            """)
        #expect(!template.capabilities.supportsSystemRole)
        let prompt = try template.render(ChatRenderInput(messages: Array(Self.conversation.prefix(2))),
                                         polyfill: Self.polyfill)
        #expect(prompt == "[user]Be brief.\n\nWeather in Paris?")
    }
}
