import JSON
import ToolParsing

/// The output line of `toolgate replay` (DESIGN.md's contract): `{"id", "message", "finish_reason"}`.
enum ReplayOutput {
    static func line(id: JSONValue, message: ParsedMessage) -> String {
        var assistant: JSONObject = ["role": "assistant", "content": message.content.map(JSONValue.string) ?? .null]
        if let reasoning = message.reasoningContent { assistant["reasoning_content"] = .string(reasoning) }
        if !message.toolCalls.isEmpty {
            assistant["tool_calls"] = .array(message.toolCalls.map { call in
                ["id": .string(call.id), "type": "function",
                 "function": ["name": .string(call.name), "arguments": .string(call.arguments)]]
            })
        }
        let line: JSONObject = ["id": id, "message": .object(assistant), "finish_reason": .string(message.finishReason)]
        return JSONValue.object(line).serialized()
    }

    static func errorLine(id: JSONValue, error: String) -> String {
        JSONValue.object(["id": id, "error": .string(error)]).serialized()
    }
}
