import JSON
import Jinja

/// What a chat template can render, found by rendering probe conversations and looking for their needles in
/// the output (minja's approach). A template that raises on a probe lacks that capability.
public struct ChatTemplateCapabilities: Sendable, Equatable, CustomStringConvertible {
    public var supportsSystemRole: Bool
    /// Renders the `tools` it is given (native tool calling).
    public var supportsTools: Bool
    /// Renders assistant `tool_calls`.
    public var supportsToolCalls: Bool
    /// Renders `tool` messages.
    public var supportsToolResponses: Bool
    /// Renders several tool calls in one assistant turn.
    public var supportsParallelToolCalls: Bool

    public init(supportsSystemRole: Bool, supportsTools: Bool, supportsToolCalls: Bool, supportsToolResponses: Bool,
                supportsParallelToolCalls: Bool)
    {
        self.supportsSystemRole = supportsSystemRole
        self.supportsTools = supportsTools
        self.supportsToolCalls = supportsToolCalls
        self.supportsToolResponses = supportsToolResponses
        self.supportsParallelToolCalls = supportsParallelToolCalls
    }

    public var description: String {
        "system=\(supportsSystemRole) tools=\(supportsTools) tool_calls=\(supportsToolCalls) "
            + "tool_responses=\(supportsToolResponses) parallel=\(supportsParallelToolCalls)"
    }
}

/// The probe conversations. Needles are unusual words no template writes by itself; the call id is nine
/// alphanumerics because Mistral templates reject anything else.
enum CapabilityProbe {
    static let systemNeedle = "toolgateSystemNeedle"
    static let toolName = "toolgate_probe_tool"
    static let argumentNeedle = "toolgateArgumentNeedle"
    static let resultNeedle = "toolgateResultNeedle"
    static let callID = "tgProbe01"
    static let secondCallID = "tgProbe02"

    static let tool: JSONValue = [
        "type": "function",
        "function": [
            "name": .string(toolName),
            "description": "A probe tool.",
            "parameters": ["type": "object", "properties": ["probe": ["type": "string"]], "required": ["probe"]],
        ],
    ]

    static func call(id: String, name: String = toolName) -> JSONValue {
        ["id": .string(id), "type": "function",
         "function": ["name": .string(name), "arguments": ["probe": .string(argumentNeedle)]]]
    }

    static let user: JSONValue = ["role": "user", "content": "Hello."]

    static func detect(_ template: ChatTemplate, specialTokens: [(name: String, value: String)])
        -> ChatTemplateCapabilities
    {
        let now = LocalDateTime(year: 2025, month: 1, day: 1)
        func renders(_ messages: [JSONValue], tools: [JSONValue]? = nil, containing needles: [String]) -> Bool {
            let input = ChatRenderInput(messages: messages, tools: tools, addGenerationPrompt: false,
                                        specialTokens: specialTokens, now: now)
            guard let output = try? template.render(input, limits: RenderLimits(maxLoopIterations: 100_000)) else {
                return false
            }
            return needles.allSatisfy { output.utf8Contains($0) }
        }
        // Some templates only render with tools (Hermes tool_use iterates them unconditionally).
        let systemTurn: JSONValue = ["role": "system", "content": .string(systemNeedle)]
        let system = renders([systemTurn, user], containing: [systemNeedle])
            || renders([systemTurn, user], tools: [tool], containing: [systemNeedle])
        let tools = renders([user], tools: [tool], containing: [toolName])
        let callTurn: JSONValue = ["role": "assistant", "content": "", "tool_calls": [call(id: callID)]]
        let toolCalls = renders([user, callTurn], tools: [tool], containing: [toolName, argumentNeedle])
        let result: JSONValue = ["role": "tool", "tool_call_id": .string(callID), "name": .string(toolName),
                                 "content": .string(resultNeedle)]
        let toolResponses = renders([user, callTurn, result], tools: [tool], containing: [resultNeedle])
        let secondName = toolName + "_second"
        let parallelTurn: JSONValue = ["role": "assistant", "content": "",
                                       "tool_calls": [call(id: callID), call(id: secondCallID, name: secondName)]]
        let parallel = toolCalls && renders([user, parallelTurn], tools: [tool], containing: [toolName, secondName])
        return ChatTemplateCapabilities(supportsSystemRole: system, supportsTools: tools, supportsToolCalls: toolCalls,
                                        supportsToolResponses: toolResponses, supportsParallelToolCalls: parallel)
    }
}

extension String {
    /// Substring test by UTF-8 bytes (Swift's own `contains` compares graphemes).
    func utf8Contains(_ needle: String) -> Bool {
        let haystack = Array(utf8)
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return true }
        guard pattern.count <= haystack.count else { return false }
        for start in 0...(haystack.count - pattern.count) where haystack[start] == pattern[0] {
            if haystack[start..<(start + pattern.count)].elementsEqual(pattern) { return true }
        }
        return false
    }
}
