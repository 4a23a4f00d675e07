public import JSON

/// One line of a capture file: a request's exact prompt and the raw output the backend gave for it.
///
/// The gateway's `--capture FILE` appends one per request; the `replay` backend answers from them by
/// prompt; `toolgate replay` (the parser command) reads the same lines, since the raw output's key is
/// `text`. Format, JSON Lines (one compact object per line, UTF-8, keys in this order, absent when unknown):
///
/// ```json
/// {"id": "req-1", "model": "qwen", "backend": "llamacpp",
///  "prompt": "<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n",
///  "text": "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>",
///  "finish_reason": "stop", "usage": {"prompt_tokens": 21, "completion_tokens": 17},
///  "last_user_message": "Weather in Paris?", "tools": [...],
///  "timings": {"total_ms": 812.5, "first_byte_ms": 95.1}, "parsed": {"content": null, "tool_calls": [...]}}
/// ```
/// Required: `prompt` (string) and `text` (string). `finish_reason` is `stop` or `length` (default
/// `stop`); `usage` counts tokens; `last_user_message` is the text of the request's last user message
/// (used by the replay fallback; `messages`, an OpenAI messages array, is read for it too); `tools`,
/// `timings` and `parsed` are carried for the reader and not interpreted here.
public struct CaptureRecord: Sendable, Equatable {
    public var id: String?
    public var model: String?
    /// The dialect that produced the output (`llamacpp`, …).
    public var backend: String?
    public var prompt: String
    /// The raw model output, exactly as the backend returned it.
    public var text: String
    public var finishReason: FinishReason
    public var usage: Usage?
    public var lastUserMessage: String?
    public var tools: JSONValue?
    public var timings: JSONValue?
    public var parsed: JSONValue?

    public init(
        id: String? = nil, model: String? = nil, backend: String? = nil, prompt: String, text: String,
        finishReason: FinishReason = .stop, usage: Usage? = nil, lastUserMessage: String? = nil,
        tools: JSONValue? = nil, timings: JSONValue? = nil, parsed: JSONValue? = nil
    ) {
        self.id = id
        self.model = model
        self.backend = backend
        self.prompt = prompt
        self.text = text
        self.finishReason = finishReason
        self.usage = usage
        self.lastUserMessage = lastUserMessage
        self.tools = tools
        self.timings = timings
        self.parsed = parsed
    }

    /// Reads one capture line, or says why it is not a capture.
    public static func parse(line: String) -> Result<CaptureRecord, CaptureLineError> {
        let value: JSONValue
        do {
            value = try JSONParser().parse(line)
        } catch {
            return .failure(CaptureLineError(reason: "not JSON: \(error)"))
        }
        guard value.objectValue != nil else { return .failure(CaptureLineError(reason: "not a JSON object")) }
        guard let prompt = value["prompt"]?.stringValue else {
            return .failure(CaptureLineError(reason: "no string `prompt`"))
        }
        guard let text = value["text"]?.stringValue else {
            return .failure(CaptureLineError(reason: "no string `text`"))
        }
        var record = CaptureRecord(prompt: prompt, text: text)
        record.id = value["id"]?.stringValue
        record.model = value["model"]?.stringValue
        record.backend = value["backend"]?.stringValue
        if let reason = value["finish_reason"]?.stringValue { record.finishReason = FinishReason(backendValue: reason) }
        if let usage = value["usage"], usage.objectValue != nil {
            record.usage = Usage(
                promptTokens: usage["prompt_tokens"]?.numberValue?.intValue,
                completionTokens: usage["completion_tokens"]?.numberValue?.intValue)
        }
        record.lastUserMessage =
            value["last_user_message"]?.stringValue
            ?? value["messages"].flatMap(Self.lastUserText(of:))
        record.tools = value["tools"]
        record.timings = value["timings"]
        record.parsed = value["parsed"]
        return .success(record)
    }

    /// The record as one compact JSON line (no newline), in the documented key order.
    public func jsonLine() -> String {
        var object = JSONObject()
        if let id { object["id"] = .string(id) }
        if let model { object["model"] = .string(model) }
        if let backend { object["backend"] = .string(backend) }
        object["prompt"] = .string(prompt)
        object["text"] = .string(text)
        object["finish_reason"] = .string(finishReason.description)
        if let usage {
            var counts = JSONObject()
            if let prompt = usage.promptTokens { counts["prompt_tokens"] = .number(JSONNumber(prompt)) }
            if let completion = usage.completionTokens { counts["completion_tokens"] = .number(JSONNumber(completion)) }
            object["usage"] = .object(counts)
        }
        if let lastUserMessage { object["last_user_message"] = .string(lastUserMessage) }
        if let tools { object["tools"] = tools }
        if let timings { object["timings"] = timings }
        if let parsed { object["parsed"] = parsed }
        return JSONValue.object(object).serialized()
    }

    /// The text of the last `user` message of an OpenAI messages array (string content, or the `text`
    /// parts of an array content joined).
    static func lastUserText(of messages: JSONValue) -> String? {
        guard let last = messages.arrayValue?.last(where: { $0["role"]?.stringValue == "user" }) else { return nil }
        if let text = last["content"]?.stringValue { return text }
        guard let parts = last["content"]?.arrayValue else { return nil }
        return parts.compactMap { $0["text"]?.stringValue }.joined()
    }
}

/// Why a capture line was skipped.
public struct CaptureLineError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { reason }
}
