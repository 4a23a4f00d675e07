public import JSON

/// A validated `POST /v1/completions` body: a raw prompt passed through to the backend.
public struct TextCompletionRequest: Sendable {
    public var model: String
    public var prompt: String
    public var sampling: Sampling

    public init(json: JSONValue) throws(OpenAIError) {
        guard case .object(let object) = json else {
            throw .invalidRequest("The request body must be a JSON object.")
        }
        let fields = FieldReader(object)
        model = try fields.requiredString("model")
        switch fields.value("prompt") {
        case .string(let s)?:
            prompt = s
        case .array(let items)? where items.count == 1:
            guard case .string(let s) = items[0] else {
                throw .invalidType(param: "prompt[0]", expected: "a string", got: items[0])
            }
            prompt = s
        case .array?:
            throw .invalidValue(param: "prompt", "exactly one prompt per request is supported.")
        case let other?:
            throw .invalidType(param: "prompt", expected: "a string", got: other)
        case nil:
            throw .missing(param: "prompt")
        }
        sampling = try Sampling(fields, maxTokenKeys: ["max_tokens"])
        if try fields.bool("echo") == true {
            throw .invalidValue(param: "echo", "echo is not supported.")
        }
    }
}

/// `text_completion` bodies and chunks for one response id.
public struct TextCompletionWriter: Sendable {
    public let id: String
    public let created: Int
    public let model: String

    public init(id: String, created: Int, model: String) {
        self.id = id
        self.created = created
        self.model = model
    }

    public func completion(text: String, finishReason: FinishReason, usage: TokenUsage?) -> JSONValue {
        var body = header(choices: [choice(text, finishReason)])
        if let usage { body["usage"] = usage.json }
        return .object(body)
    }

    public func chunk(text: String, finishReason: FinishReason? = nil) -> JSONValue {
        .object(header(choices: [choice(text, finishReason)]))
    }

    public func usageChunk(_ usage: TokenUsage) -> JSONValue {
        var body = header(choices: [])
        body["usage"] = usage.json
        return .object(body)
    }

    private func choice(_ text: String, _ reason: FinishReason?) -> JSONValue {
        ["text": .string(text), "index": 0, "logprobs": nil, "finish_reason": reason.map { .string($0.rawValue) } ?? .null]
    }

    private func header(choices: [JSONValue]) -> JSONObject {
        ["id": .string(id), "object": "text_completion", "created": .number(JSONNumber(created)),
         "model": .string(model), "choices": .array(choices)]
    }
}
