import JSON

/// llama.cpp's native server API: `POST /completion`, `GET /health`, `GET /props`.
///
/// Request: `{"prompt", "n_predict", "temperature", "top_p", "seed", "stop", "stream",
/// "preserved_tokens", "json_schema" | "grammar"}`. llama.cpp turns special tokens into text only when
/// the server runs with `--special` or the request lists them in `preserved_tokens` (each must be one
/// token of the model's vocabulary); there is no per-request "keep all special tokens" switch.
///
/// Response: `{"content", "stop": true, "stop_type": "eos"|"word"|"limit", "tokens_evaluated",
/// "tokens_predicted", "timings": {"prompt_n", "predicted_n", …}}`; older servers say
/// `stopped_limit: true` instead of `stop_type`. Streamed, each SSE event carries the next piece in
/// `content` and the last one has `"stop": true` — no `[DONE]` follows. While a UTF-8 sequence is
/// incomplete llama.cpp sends events with empty `content`; they produce no text event.
public struct LlamaCppDialect: BackendDialect {
    public init() {}

    public var name: String { "llamacpp" }
    public var healthPath: String { "/health" }
    public var propsPath: String? { "/props" }

    public func httpRequest(for request: CompletionRequest) throws(BackendError) -> BackendHTTPRequest {
        var body: JSONObject = ["prompt": .string(request.prompt)]
        if let maxTokens = request.maxTokens { body["n_predict"] = .number(JSONNumber(maxTokens)) }
        if let temperature = request.temperature { body["temperature"] = .number(JSONNumber(temperature)) }
        if let topP = request.topP { body["top_p"] = .number(JSONNumber(topP)) }
        if let seed = request.seed { body["seed"] = .number(JSONNumber(seed)) }
        if !request.stop.isEmpty { body["stop"] = request.stopValue }
        body["stream"] = .bool(request.stream)
        if !request.preservedTokens.isEmpty {
            body["preserved_tokens"] = .array(request.preservedTokens.map { .string($0) })
        }
        switch request.constraint {
        case .jsonSchema(let schema)?: body["json_schema"] = schema
        case .grammar(let grammar)?: body["grammar"] = .string(grammar)
        case .regex?: throw .invalidConfiguration("llama.cpp has no regex constraint; give a GBNF grammar instead")
        case nil: break
        }
        body.merge(extra: request.extra)
        return .postJSON("/completion", body, stream: request.stream)
    }

    public func makeDecoder(for request: CompletionRequest) -> any CompletionDecoder {
        FramedDecoder(Interpreter(whole: !request.stream), framing: request.stream ? .serverSentEvents : .whole)
    }

    struct Interpreter: ResponseInterpreter {
        /// A non-streamed body is final whatever its `stop` says.
        let whole: Bool
        var isFinished = false

        mutating func interpret(_ value: JSONValue, emit: (CompletionEvent) -> Void) throws(BackendError) {
            guard value.objectValue != nil else {
                throw .invalidResponse(what: "expected a JSON object", excerpt: excerpt(value.serialized().utf8))
            }
            switch value["content"] {
            case .string(let text)?: if !text.isEmpty { emit(.text(text)) }
            case nil, .null?: break
            default:
                throw .invalidResponse(what: "`content` is not a string", excerpt: excerpt(value.serialized().utf8))
            }
            guard whole || value["stop"]?.boolValue == true else { return }
            emit(.finished(Self.finishReason(value), Self.usage(value)))
            isFinished = true
        }

        static func finishReason(_ value: JSONValue) -> FinishReason {
            if let type = value["stop_type"]?.stringValue, type != "none" { return FinishReason(backendValue: type) }
            if value["stopped_limit"]?.boolValue == true { return .length }
            return .stop
        }

        static func usage(_ value: JSONValue) -> Usage? {
            let prompt = value["tokens_evaluated"]?.intValue ?? value["timings"]?["prompt_n"]?.intValue
            let completion = value["tokens_predicted"]?.intValue ?? value["timings"]?["predicted_n"]?.intValue
            if prompt == nil && completion == nil { return nil }
            return Usage(promptTokens: prompt, completionTokens: completion)
        }
    }
}
