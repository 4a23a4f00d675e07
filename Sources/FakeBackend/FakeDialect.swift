import JSON

/// How the fake backend writes one dialect's answers: the streamed events (already framed as SSE
/// events or JSON lines) and the whole-body answer.
enum FakeDialect {
    case llamacpp, openai, tgi, ollama

    init?(path: String) {
        switch path {
        case "/completion": self = .llamacpp
        case "/v1/completions": self = .openai
        case "/generate", "/generate_stream": self = .tgi
        case "/api/generate": self = .ollama
        default: return nil
        }
    }

    var streamContentType: String { self == .ollama ? "application/x-ndjson" : "text/event-stream" }

    /// The reply's finish reason as this dialect spells it.
    func finishReason(_ reply: FakeReply) -> String {
        switch (self, reply.finishReason) {
        case (.llamacpp, "stop"): return "eos"
        case (.llamacpp, "length"): return "limit"
        case (.tgi, "stop"): return "eos_token"
        default: return reply.finishReason
        }
    }

    /// The streamed answer: one framed event per piece (`pieces`), then the events that end it (`final`).
    func events(_ reply: FakeReply, request: FakeRequest) -> (pieces: [[UInt8]], final: [[UInt8]]) {
        let pieces = FakeDialect.pieces(reply.text, size: reply.pieceCharacters)
        let model = request.json?["model"]?.stringValue ?? "fake"
        switch self {
        case .llamacpp:
            var events: [[UInt8]] = []
            for (number, piece) in pieces.enumerated() {
                if reply.emptyEventsBeforeMultibyte && piece.utf8.count > piece.unicodeScalars.count {
                    events.append(sse(["content": "", "tokens": [], "stop": false, "id_slot": 0]))
                }
                events.append(
                    sse([
                        "index": 0, "content": .string(piece), "tokens": [.number(JSONNumber(number))],
                        "stop": false, "id_slot": 0, "tokens_predicted": .number(JSONNumber(number + 1)),
                        "tokens_evaluated": .number(JSONNumber(reply.promptTokens)),
                    ]))
            }
            var final = llamaFinal(reply, content: "")
            final["tokens"] = []
            return (events, [sse(.object(final))])
        case .openai:
            let events = pieces.map { piece in
                sse(openAIChunk(model: model, text: piece, finishReason: .null))
            }
            var final = [sse(openAIChunk(model: model, text: "", finishReason: .string(finishReason(reply))))]
            if request.json?["stream_options"]?["include_usage"]?.boolValue == true {
                final.append(
                    sse([
                        "id": "cmpl-fake", "object": "text_completion", "created": 1_700_000_000,
                        "model": .string(model), "choices": [], "usage": usage(reply),
                    ]))
            }
            final.append(Array("data: [DONE]\n\n".utf8))
            return (events, final)
        case .tgi:
            var events = pieces.enumerated().map { number, piece in
                sse(
                    tgiEvent(index: number + 1, text: piece, special: false, generated: nil, details: nil), space: false
                )
            }
            let details: JSONValue = [
                "finish_reason": .string(finishReason(reply)),
                "generated_tokens": .number(JSONNumber(reply.completionTokens)), "seed": nil,
            ]
            if reply.finishReason == "stop" || events.isEmpty {
                let eos = tgiEvent(
                    index: pieces.count + 1, text: "</s>", special: true, generated: reply.text,
                    details: details)
                return (events, [sse(eos, space: false)])
            }
            events.removeLast()
            let final = tgiEvent(
                index: pieces.count, text: pieces[pieces.count - 1], special: false,
                generated: reply.text, details: details)
            return (events, [sse(final, space: false)])
        case .ollama:
            let events = pieces.map { piece in
                line([
                    "model": .string(model), "created_at": "2024-01-01T00:00:00Z", "response": .string(piece),
                    "done": false,
                ])
            }
            return (events, [line(ollamaFinal(reply, model: model, response: ""))])
        }
    }

    /// The non-streamed answer body.
    func wholeBody(_ reply: FakeReply, request: FakeRequest) -> [UInt8] {
        let model = request.json?["model"]?.stringValue ?? "fake"
        let value: JSONValue
        switch self {
        case .llamacpp:
            value = .object(llamaFinal(reply, content: reply.text))
        case .openai:
            value = [
                "id": "cmpl-fake", "object": "text_completion", "created": 1_700_000_000, "model": .string(model),
                "choices": [
                    [
                        "index": 0, "text": .string(reply.text), "logprobs": nil,
                        "finish_reason": .string(finishReason(reply)),
                    ]
                ],
                "usage": usage(reply),
            ]
        case .tgi:
            value = [
                "generated_text": .string(reply.text),
                "details": [
                    "finish_reason": .string(finishReason(reply)),
                    "generated_tokens": .number(JSONNumber(reply.completionTokens)), "seed": nil,
                    "prefill": [], "tokens": [],
                ],
            ]
        case .ollama:
            value = ollamaFinal(reply, model: model, response: reply.text)
        }
        var bytes: [UInt8] = []
        value.write(to: &bytes)
        return bytes
    }

    /// An event that reports an error mid-stream, as each server writes it.
    func errorEvent(_ message: String) -> [UInt8] {
        switch self {
        case .llamacpp, .openai:
            return sse(["error": ["code": 500, "message": .string(message), "type": "server_error"]])
        case .tgi: return sse(["error": .string(message), "error_type": "generation"], space: false)
        case .ollama: return line(["error": .string(message)])
        }
    }

    /// Frames a payload the way this dialect frames its events (for garbage and cut-off events).
    func frame(_ payload: [UInt8]) -> [UInt8] {
        switch self {
        case .ollama: return payload + [UInt8(ascii: "\n")]
        case .tgi: return Array("data:".utf8) + payload + Array("\n\n".utf8)
        case .llamacpp, .openai: return Array("data: ".utf8) + payload + Array("\n\n".utf8)
        }
    }

    private func llamaFinal(_ reply: FakeReply, content: String) -> JSONObject {
        [
            "index": 0, "content": .string(content), "id_slot": 0, "stop": true, "model": "fake",
            "tokens_predicted": .number(JSONNumber(reply.completionTokens)),
            "tokens_evaluated": .number(JSONNumber(reply.promptTokens)), "truncated": false,
            "stop_type": .string(finishReason(reply)), "stopping_word": "", "tokens_cached": 0,
            "timings": [
                "prompt_n": .number(JSONNumber(reply.promptTokens)), "prompt_ms": 1.5,
                "predicted_n": .number(JSONNumber(reply.completionTokens)), "predicted_ms": 2.5,
            ],
        ]
    }

    private func openAIChunk(model: String, text: String, finishReason: JSONValue) -> JSONValue {
        [
            "id": "cmpl-fake", "object": "text_completion", "created": 1_700_000_000, "model": .string(model),
            "choices": [
                [
                    "index": 0, "text": .string(text), "logprobs": nil, "finish_reason": finishReason,
                    "stop_reason": nil,
                ]
            ],
        ]
    }

    private func usage(_ reply: FakeReply) -> JSONValue {
        [
            "prompt_tokens": .number(JSONNumber(reply.promptTokens)),
            "completion_tokens": .number(JSONNumber(reply.completionTokens)),
            "total_tokens": .number(JSONNumber(reply.promptTokens + reply.completionTokens)),
        ]
    }

    private func tgiEvent(
        index: Int, text: String, special: Bool, generated: String?, details: JSONValue?
    )
        -> JSONValue
    {
        [
            "index": .number(JSONNumber(index)),
            "token": [
                "id": .number(JSONNumber(index)), "text": .string(text), "logprob": -0.25, "special": .bool(special),
            ],
            "generated_text": generated.map { .string($0) } ?? .null, "details": details ?? .null,
        ]
    }

    private func ollamaFinal(_ reply: FakeReply, model: String, response: String) -> JSONValue {
        [
            "model": .string(model), "created_at": "2024-01-01T00:00:00Z", "response": .string(response), "done": true,
            "done_reason": .string(finishReason(reply)), "context": [], "total_duration": 1000, "load_duration": 10,
            "prompt_eval_count": .number(JSONNumber(reply.promptTokens)), "prompt_eval_duration": 100,
            "eval_count": .number(JSONNumber(reply.completionTokens)), "eval_duration": 800,
        ]
    }

    private func sse(_ value: JSONValue, space: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = Array((space ? "data: " : "data:").utf8)
        value.write(to: &bytes)
        bytes.append(contentsOf: "\n\n".utf8)
        return bytes
    }

    private func line(_ value: JSONValue) -> [UInt8] {
        var bytes: [UInt8] = []
        value.write(to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    static func pieces(_ text: String, size: Int) -> [String] {
        var pieces: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: size, limitedBy: text.endIndex) ?? text.endIndex
            pieces.append(String(text[index..<end]))
            index = end
        }
        return pieces
    }
}
