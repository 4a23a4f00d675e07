import ChatTemplate
import JSON
import ToolParsing

extension ToolCallingPolyfill {
    /// Tool calling for a template without it, in the parser family's own words: its `tool_prompt` teaches the
    /// format, its `render` writes earlier calls, its `tool_result` wraps results. The parser then reads the
    /// model's output in the very format the prompt asked for.
    init(family: Family) {
        self.init(
            toolInstructions: { tools in
                family.toolPrompt(tools: .array(tools)) ?? Self.genericInstructions(tools, family: family)
            },
            renderToolCalls: { calls in
                family.render(calls: calls.map { call in
                    let arguments: String
                    if case .string(let text) = call.arguments { arguments = text } else {
                        arguments = call.arguments.serialized(.compact)
                    }
                    return (name: call.name, arguments: arguments, id: call.id)
                })
            },
            renderToolResult: { result in
                family.toolResult(content: result.content, name: result.name, id: result.toolCallID)
                    ?? result.content
            })
    }

    /// For a family file without `tool_prompt`: the tools as JSON and one rendered example call.
    private static func genericInstructions(_ tools: [JSONValue], family: Family) -> String {
        let list = tools.map { $0.serialized(.compact) }.joined(separator: "\n")
        let example = family.render(calls: [(name: "function_name", arguments: "{\"argument\": \"value\"}")])
        return "You can call these functions (JSON schema):\n\(list)\n\n"
            + "To call a function, answer with exactly this format:\n\(example)"
    }
}
