import JSON

/// The request shape of `bench gateway`: a short travel-assistant conversation with three tools (about
/// 2 KB once rendered with Qwen 2.5's template) and a model output of about 500 bytes that ends in one
/// hermes tool call. Deterministic, so every run measures the same bytes.
enum BenchGatewayWorkload {
    static let modelName = "bench"

    static let tools: [JSONValue] = [
        ["type": "function", "function": [
            "name": "get_weather",
            "description": "Current weather and a daily forecast for a city, with optional hourly detail.",
            "parameters": ["type": "object", "properties": [
                "city": ["type": "string", "description": "City and country, e.g. Paris, France"],
                "unit": ["type": "string", "enum": ["celsius", "fahrenheit"]],
                "days": ["type": "integer", "description": "Days of forecast, 1 to 10"],
                "include_hourly": ["type": "boolean", "description": "Add hourly data for each day"],
            ], "required": ["city"]],
        ]],
        ["type": "function", "function": [
            "name": "get_time",
            "description": "Current local time in an IANA time zone.",
            "parameters": ["type": "object", "properties": [
                "timezone": ["type": "string", "description": "IANA zone, e.g. Europe/Paris"],
            ], "required": ["timezone"]],
        ]],
        ["type": "function", "function": [
            "name": "search_flights",
            "description": "Flights between two airports on a date, cheapest first.",
            "parameters": ["type": "object", "properties": [
                "origin": ["type": "string", "description": "IATA code of the departure airport"],
                "destination": ["type": "string", "description": "IATA code of the arrival airport"],
                "date": ["type": "string", "description": "Departure date, YYYY-MM-DD"],
                "passengers": ["type": "integer", "description": "Number of adult passengers"],
            ], "required": ["origin", "destination", "date"]],
        ]],
    ]

    static let messages: [JSONValue] = [
        ["role": "system", "content": """
            You are a helpful travel assistant. Use the tools when the user asks about weather, local time or \
            flights, and answer briefly and concretely.
            """],
        ["role": "user", "content": """
            I'm planning a trip to Paris next week with my partner. What is the weather going to be like, and \
            should we pack an umbrella?
            """],
        ["role": "assistant", "content": """
            Happy to help. I can look up the forecast for Paris so I can give you an accurate answer about the \
            umbrella. Which unit do you prefer, and how many days will you stay?
            """],
        ["role": "user", "content": "Celsius please, and we stay five days. Hourly detail would be nice too."],
    ]

    /// The raw model output the fake backend returns: prose, then one call.
    static let output = """
        I'll check the forecast for Paris for the five days of your stay. Paris in spring is often mild but \
        changeable, so it is worth looking at the daily chance of rain before deciding on the umbrella; I'll \
        also ask for hourly data so I can tell you which afternoons are likely to be wet, and whether the \
        evenings stay dry enough for a walk along the Seine. One moment.
        <tool_call>
        {"name": "get_weather", "arguments": {"city": "Paris, France", "unit": "celsius", "days": 5, \
        "include_hourly": true}}
        </tool_call>
        """

    /// The chat request body (`stream` as given).
    static func chatBody(stream: Bool) -> [UInt8] {
        let body: JSONValue = ["model": .string(modelName), "messages": .array(messages), "tools": .array(tools),
                               "max_tokens": 512, "stream": .bool(stream)]
        var bytes: [UInt8] = []
        body.write(to: &bytes)
        return bytes
    }

    /// An HTTP/1.1 POST with a JSON body, keep-alive.
    static func post(_ path: String, _ body: [UInt8]) -> [UInt8] {
        let head = "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }
}
