import JSON

/// Turns request messages into what transformers hands the template.
enum MessagePreparation {
    static let reasoningKeys = ["reasoning_content", "thinking", "reasoning"]

    /// OpenAI servers parse `function.arguments` strings into JSON before rendering (kept as the string when it
    /// is not valid JSON); transformers 5.x then drops `null` keys and mirrors the first reasoning field as both
    /// `thinking` and `reasoning_content`. Messages that need none of this are passed through untouched.
    static func prepare(_ messages: [JSONValue], compatibility: TransformersCompatibility) throws(ChatTemplateError)
        -> [JSONValue]
    {
        var prepared: [JSONValue] = []
        prepared.reserveCapacity(messages.count)
        for message in messages {
            guard case .object(var object) = message else {
                throw .invalidInput("chat messages must be objects, got \(message.serialized(.python))")
            }
            if let calls = object["tool_calls"], let parsed = parsingArguments(calls) {
                object["tool_calls"] = parsed
            }
            if compatibility == .v5 {
                if object.contains(where: { $0.value.isNull }) {
                    object = JSONObject(object.filter { !$0.value.isNull })
                }
                if let key = reasoningKeys.first(where: { object[$0].map { !$0.isNull } ?? false }),
                   let reasoning = object[key] {
                    var aliased = JSONObject()
                    aliased["thinking"] = reasoning
                    for entry in object { aliased[entry.key] = entry.value }
                    aliased["reasoning_content"] = reasoning
                    object = aliased
                }
            }
            prepared.append(.object(object))
        }
        return prepared
    }

    /// The tool calls with string arguments parsed; nil when nothing needs parsing.
    private static func parsingArguments(_ calls: JSONValue) -> JSONValue? {
        guard case .array(var list) = calls else { return nil }
        var changed = false
        for (i, call) in list.enumerated() {
            guard case .object(var callObject) = call, case .object(var function)? = callObject["function"],
                  case .string(let text)? = function["arguments"],
                  let parsed = try? JSONParser().parse(text) else { continue }
            function["arguments"] = parsed
            callObject["function"] = .object(function)
            list[i] = .object(callObject)
            changed = true
        }
        return changed ? .array(list) : nil
    }
}
