import JSON

/// Ollama's `POST /api/generate` in raw mode (the prompt goes to the model as is, no Ollama template).
///
/// Request: `{"model", "prompt", "raw": true, "stream", "options": {"num_predict", "temperature", "top_p",
/// "seed", "stop"}, "format": schema}`. Ollama streams by default, so `stream` is always sent.
///
/// Response: `{"response", "done": true, "done_reason": "stop"|"length", "prompt_eval_count",
/// "eval_count"}`; streamed as JSON lines (NDJSON) with the next piece in `response` and `"done": false`,
/// the last with `"done": true` and the counts.
public struct OllamaDialect: BackendDialect {
    public init() {}

    public var name: String { "ollama" }
    public var healthPath: String { "/api/version" }
    public var propsPath: String? { nil }

    public func httpRequest(for request: CompletionRequest) throws(BackendError) -> BackendHTTPRequest {
        guard let model = request.model else {
            throw .invalidConfiguration("Ollama needs a model name (the Ollama model tag)")
        }
        var options = JSONObject()
        if let maxTokens = request.maxTokens { options["num_predict"] = .number(JSONNumber(maxTokens)) }
        if let temperature = request.temperature { options["temperature"] = .number(JSONNumber(temperature)) }
        if let topP = request.topP { options["top_p"] = .number(JSONNumber(topP)) }
        if let seed = request.seed { options["seed"] = .number(JSONNumber(seed)) }
        if !request.stop.isEmpty { options["stop"] = request.stopValue }
        var body: JSONObject = [
            "model": .string(model), "prompt": .string(request.prompt), "raw": true,
            "stream": .bool(request.stream),
        ]
        if !options.isEmpty { body["options"] = .object(options) }
        switch request.constraint {
        case .jsonSchema(let schema)?: body["format"] = schema
        case .grammar?, .regex?: throw .invalidConfiguration("Ollama takes a JSON schema only")
        case nil: break
        }
        body.merge(extra: request.extra)
        return .postJSON("/api/generate", body, stream: request.stream, streamType: "application/x-ndjson")
    }

    public func makeDecoder(for request: CompletionRequest) -> any CompletionDecoder {
        FramedDecoder(Interpreter(), framing: request.stream ? .jsonLines : .whole)
    }

    struct Interpreter: ResponseInterpreter {
        var isFinished = false

        mutating func interpret(_ value: JSONValue, emit: (CompletionEvent) -> Void) throws(BackendError) {
            switch value["response"] {
            case .string(let text)?: if !text.isEmpty { emit(.text(text)) }
            case nil, .null?: break
            default:
                throw .invalidResponse(what: "`response` is not a string", excerpt: excerpt(value.serialized().utf8))
            }
            guard value["done"]?.boolValue == true else { return }
            let reason = value["done_reason"]?.stringValue.map(FinishReason.init(backendValue:)) ?? .stop
            let prompt = value["prompt_eval_count"]?.intValue
            let completion = value["eval_count"]?.intValue
            let usage =
                prompt == nil && completion == nil ? nil : Usage(promptTokens: prompt, completionTokens: completion)
            emit(.finished(reason, usage))
            isFinished = true
        }
    }
}
