import JSON

/// OpenAI's legacy `POST /v1/completions`, as vLLM, SGLang, TGI, llama-cpp-python and LM Studio serve it.
///
/// Request: `{"model", "prompt", "max_tokens", "temperature", "top_p", "seed", "stop", "stream",
/// "stream_options": {"include_usage": true}, "skip_special_tokens": false}` and the constraint in the fields
/// the server takes (``ConstraintFields``): `guided_json` | `guided_grammar` | `guided_regex` (vLLM before
/// 0.10, the default), `grammar` (llama-cpp-python: GBNF), or `structured_outputs: {"json" | "grammar" |
/// "regex": …}` (vLLM 0.10 and later). `skip_special_tokens: false` keeps special tokens in the text
/// where the server supports it (vLLM, SGLang); servers that do not know it ignore it. vLLM's default
/// `max_tokens` is 16: set ``CompletionRequest/maxTokens``.
///
/// Response: `{"choices": [{"text", "finish_reason"}], "usage": {"prompt_tokens", "completion_tokens"}}`.
/// Streamed: SSE chunks of the same shape with the next piece in `text`, a chunk with `finish_reason`,
/// then (with `include_usage`) a chunk with empty `choices` and the `usage`, then `data: [DONE]`.
/// The final event goes out at the usage chunk or at `[DONE]`, whichever comes first; a stream that
/// closes after a finish reason without `[DONE]` still ends cleanly.
public struct OpenAICompletionsDialect: BackendDialect {
    /// Where servers of this API take a decoding constraint.
    public enum ConstraintFields: String, Sendable {
        /// `guided_json`, `guided_grammar`, `guided_regex` (vLLM before 0.10).
        case guided
        /// `grammar`, a GBNF grammar (llama-cpp-python); a JSON schema or regex has no field.
        case grammar
        /// `structured_outputs: {"json": …}` / `{"grammar": …}` / `{"regex": …}` (vLLM 0.10 and later).
        case structuredOutputs = "structured_outputs"
    }

    public let constraintFields: ConstraintFields

    public init(constraintFields: ConstraintFields = .guided) {
        self.constraintFields = constraintFields
    }

    public var name: String { "openai" }
    public var healthPath: String { "/v1/models" }
    public var propsPath: String? { nil }

    public func httpRequest(for request: CompletionRequest) throws(BackendError) -> BackendHTTPRequest {
        var body = JSONObject()
        if let model = request.model { body["model"] = .string(model) }
        body["prompt"] = .string(request.prompt)
        if let maxTokens = request.maxTokens { body["max_tokens"] = .number(JSONNumber(maxTokens)) }
        if let temperature = request.temperature { body["temperature"] = .number(JSONNumber(temperature)) }
        if let topP = request.topP { body["top_p"] = .number(JSONNumber(topP)) }
        if let seed = request.seed { body["seed"] = .number(JSONNumber(seed)) }
        if !request.stop.isEmpty { body["stop"] = request.stopValue }
        body["stream"] = .bool(request.stream)
        if request.stream { body["stream_options"] = ["include_usage": true] }
        body["skip_special_tokens"] = false
        switch (constraintFields, request.constraint) {
        case (_, nil): break
        case (.guided, .jsonSchema(let schema)?): body["guided_json"] = schema
        case (.guided, .grammar(let grammar)?): body["guided_grammar"] = .string(grammar)
        case (.guided, .regex(let pattern)?): body["guided_regex"] = .string(pattern)
        case (.grammar, .grammar(let grammar)?): body["grammar"] = .string(grammar)
        case (.grammar, _?):
            throw .invalidConfiguration("this server takes a GBNF grammar only (`grammar`), not a JSON schema or regex")
        case (.structuredOutputs, .jsonSchema(let schema)?): body["structured_outputs"] = ["json": schema]
        case (.structuredOutputs, .grammar(let grammar)?): body["structured_outputs"] = ["grammar": .string(grammar)]
        case (.structuredOutputs, .regex(let pattern)?): body["structured_outputs"] = ["regex": .string(pattern)]
        }
        body.merge(extra: request.extra)
        return .postJSON("/v1/completions", body, stream: request.stream)
    }

    public func makeDecoder(for request: CompletionRequest) -> any CompletionDecoder {
        FramedDecoder(Interpreter(whole: !request.stream), framing: request.stream ? .serverSentEvents : .whole)
    }

    struct Interpreter: ResponseInterpreter {
        let whole: Bool
        var isFinished = false
        var finishReason: FinishReason?
        var usage: Usage?

        mutating func interpret(_ value: JSONValue, emit: (CompletionEvent) -> Void) throws(BackendError) {
            guard let choices = value["choices"]?.arrayValue else {
                throw .invalidResponse(what: "no `choices` array", excerpt: excerpt(value.serialized().utf8))
            }
            if let first = choices.first {
                switch first["text"] {
                case .string(let text)?: if !text.isEmpty { emit(.text(text)) }
                case nil, .null?: break
                default:
                    throw .invalidResponse(what: "`text` is not a string", excerpt: excerpt(value.serialized().utf8))
                }
                if let reason = first["finish_reason"]?.stringValue {
                    finishReason = FinishReason(backendValue: reason)
                }
            }
            if let reported = value["usage"], reported.objectValue != nil {
                usage = Usage(
                    promptTokens: reported["prompt_tokens"]?.intValue,
                    completionTokens: reported["completion_tokens"]?.intValue)
            }
            if whole {
                emit(.finished(finishReason ?? .stop, usage))
                isFinished = true
            } else if let finishReason, usage != nil {
                emit(.finished(finishReason, usage))
                isFinished = true
            }
        }

        mutating func done(emit: (CompletionEvent) -> Void) throws(BackendError) {
            // `[DONE]` is an explicit clean end, even from a server that sent no finish reason.
            emit(.finished(finishReason ?? .stop, usage))
            isFinished = true
        }

        mutating func end(emit: (CompletionEvent) -> Void) throws(BackendError) {
            guard !isFinished else { return }
            guard let finishReason else {
                throw .invalidResponse(what: "the stream ended before a finish reason or [DONE]", excerpt: "")
            }
            emit(.finished(finishReason, usage))
            isFinished = true
        }
    }
}
