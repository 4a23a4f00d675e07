import JSON

/// Hugging Face text-generation-inference's native API: `POST /generate` and `POST /generate_stream`.
///
/// Request: `{"inputs": prompt, "parameters": {"max_new_tokens", "temperature", "top_p", "seed", "stop",
/// "details": true, "return_full_text": false, "grammar"}}`. TGI rejects `temperature: 0` and `top_p`
/// outside (0, 1): temperature 0 becomes `do_sample: false` (greedy) and `top_p` ≥ 1 is left out (no
/// nucleus filtering), which is what those values mean elsewhere.
///
/// Response: `{"generated_text", "details": {"finish_reason": "length"|"eos_token"|"stop_sequence",
/// "generated_tokens", "prompt_tokens"?}}`. Streamed: SSE events `{"token": {"text", "special"},
/// "generated_text": null, "details": null}`, the last with `generated_text` and `details`. The text is
/// the concatenated token texts, special tokens included, except the end-of-sequence token that ends a
/// generation (`special: true` on the last event when `finish_reason` is `eos_token`).
public struct TGIDialect: BackendDialect {
    public init() {}

    public var name: String { "tgi" }
    public var healthPath: String { "/health" }
    public var propsPath: String? { "/info" }

    public func httpRequest(for request: CompletionRequest) throws(BackendError) -> BackendHTTPRequest {
        var parameters = JSONObject()
        if let maxTokens = request.maxTokens { parameters["max_new_tokens"] = .number(JSONNumber(maxTokens)) }
        if let temperature = request.temperature {
            if temperature > 0 {
                parameters["temperature"] = .number(JSONNumber(temperature))
            } else {
                parameters["do_sample"] = false
            }
        }
        if let topP = request.topP, topP > 0, topP < 1 { parameters["top_p"] = .number(JSONNumber(topP)) }
        if let seed = request.seed, seed >= 0 { parameters["seed"] = .number(JSONNumber(seed)) }
        if !request.stop.isEmpty { parameters["stop"] = request.stopValue }
        parameters["details"] = true
        parameters["return_full_text"] = false
        switch request.constraint {
        case .jsonSchema(let schema)?: parameters["grammar"] = ["type": "json", "value": schema]
        case .regex(let pattern)?: parameters["grammar"] = ["type": "regex", "value": .string(pattern)]
        case .grammar?: throw .invalidConfiguration("TGI takes a JSON schema or a regex, not a grammar")
        case nil: break
        }
        var body: JSONObject = ["inputs": .string(request.prompt), "parameters": .object(parameters)]
        body.merge(extra: request.extra)
        return .postJSON(request.stream ? "/generate_stream" : "/generate", body, stream: request.stream)
    }

    public func makeDecoder(for request: CompletionRequest) -> any CompletionDecoder {
        request.stream
            ? FramedDecoder(StreamInterpreter(), framing: .serverSentEvents)
            : FramedDecoder(WholeInterpreter(), framing: .whole)
    }

    static func finished(_ details: JSONValue?) -> CompletionEvent {
        let reason = details?["finish_reason"]?.stringValue.map(FinishReason.init(backendValue:)) ?? .stop
        let prompt = details?["prompt_tokens"]?.intValue ?? details?["input_length"]?.intValue
        let completion = details?["generated_tokens"]?.intValue
        let usage = prompt == nil && completion == nil ? nil : Usage(promptTokens: prompt, completionTokens: completion)
        return .finished(reason, usage)
    }

    struct StreamInterpreter: ResponseInterpreter {
        var isFinished = false

        mutating func interpret(_ value: JSONValue, emit: (CompletionEvent) -> Void) throws(BackendError) {
            guard let token = value["token"], let text = token["text"]?.stringValue else {
                throw .invalidResponse(what: "no `token.text`", excerpt: excerpt(value.serialized().utf8))
            }
            var details = value["details"]
            if details?.isNull == true { details = nil }
            let endsOnEOS = details?["finish_reason"]?.stringValue == "eos_token" && token["special"]?.boolValue == true
            if !text.isEmpty && !endsOnEOS { emit(.text(text)) }
            if details != nil {
                emit(TGIDialect.finished(details))
                isFinished = true
            }
        }
    }

    struct WholeInterpreter: ResponseInterpreter {
        var isFinished = false

        mutating func interpret(_ value: JSONValue, emit: (CompletionEvent) -> Void) throws(BackendError) {
            // Old TGI versions answer `/generate` with a one-element array.
            let response = value.arrayValue?.first ?? value
            guard let text = response["generated_text"]?.stringValue else {
                throw .invalidResponse(what: "no `generated_text`", excerpt: excerpt(value.serialized().utf8))
            }
            if !text.isEmpty { emit(.text(text)) }
            emit(TGIDialect.finished(response["details"]))
            isFinished = true
        }
    }
}
