import JSON

/// A realistic OpenAI chat request: `messages` turns with tool calls and results, `tools` with
/// JSON-schema parameters. Deterministic, so every run measures the same bytes.
enum ChatRequestWorkload {
    static func make(messages messageCount: Int = 20, tools toolCount: Int = 10) -> JSONValue {
        var tools: [JSONValue] = []
        for t in 0..<toolCount {
            var properties = JSONObject()
            for p in 0..<12 {
                let kind = ["string", "integer", "number", "boolean", "array", "object"][p % 6]
                var schema: JSONObject = ["type": .string(kind),
                                          "description": .string("Parameter \(p) of tool \(t): what the model should pass, with units and an example value such as 42 or \"Paris, France\".")]
                if kind == "string" { schema["enum"] = ["celsius", "fahrenheit", "kelvin"] }
                if kind == "array" { schema["items"] = ["type": "string", "minLength": 1] }
                if kind == "object" {
                    schema["properties"] = ["lat": ["type": "number", "minimum": -90.0, "maximum": 90.0],
                                            "lon": ["type": "number", "minimum": -180.0, "maximum": 180.0]]
                }
                properties["param_\(p)"] = .object(schema)
            }
            tools.append(["type": "function",
                          "function": ["name": .string("tool_number_\(t)"),
                                       "description": .string("Tool \(t) looks things up in a remote service and returns a JSON document describing the result in detail."),
                                       "parameters": ["type": "object", "properties": .object(properties),
                                                      "required": ["param_0", "param_1"],
                                                      "additionalProperties": false]]])
        }
        var messages: [JSONValue] = [["role": "system", "content": "You are a helpful assistant with access to tools. Answer concisely and cite the tool results you used."]]
        var i = 1
        while messages.count < messageCount {
            switch i % 4 {
            case 1:
                messages.append(["role": "user", "content": .string("Question \(i): what is the weather in Paris, and how does it compare with Zürich and 東京 this week? Please be specific about temperatures.")])
            case 2:
                messages.append(["role": "assistant", "content": nil,
                                 "tool_calls": [["id": .string("call_\(i)abcdefghijklmnopqrstuv"), "type": "function",
                                                 "function": ["name": "tool_number_3",
                                                              "arguments": "{\"param_0\": \"celsius\", \"param_1\": 3, \"param_5\": {\"lat\": 48.8566, \"lon\": 2.3522}}"]]]])
            case 3:
                messages.append(["role": "tool", "tool_call_id": .string("call_\(i - 1)abcdefghijklmnopqrstuv"),
                                 "content": "{\"temperature\": 18.5, \"condition\": \"partly cloudy\", \"humidity\": 0.62, \"wind\": {\"speed\": 12, \"direction\": \"NW\"}, \"forecast\": [17, 19, 21, 18, 16]}"])
            default:
                messages.append(["role": "assistant", "content": "It is 18.5 °C and partly cloudy in Paris; Zürich is a little cooler and 東京 is warmer, with rain expected later in the week."])
            }
            i += 1
        }
        return ["model": "toolgate-bench", "messages": .array(messages), "tools": .array(tools),
                "tool_choice": "auto", "temperature": 0.7, "max_tokens": 512, "stream": false]
    }
}
