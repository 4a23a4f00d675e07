import JSON
import Testing

@testable import Backends
@testable import FakeBackend

/// Response bodies as the real servers write them, each with the events it must decode to.
struct WireSample: CustomStringConvertible, Sendable {
    let name: String
    let dialect: any BackendDialect
    let stream: Bool
    let body: String
    let expected: [CompletionEvent]

    var description: String { name }
}

/// Shapes from each server's documentation and source: llama.cpp `tools/server/README.md` (`/completion`
/// response fields, `stop_type`, SSE pings), vLLM's OpenAI completions protocol (stream chunks, the
/// `include_usage` chunk, `[DONE]`), TGI's router types (`StreamResponse`, `Details`) and Ollama's API
/// docs (`/api/generate` NDJSON). Written by hand, not captured.
let wireSamples: [WireSample] = [
    WireSample(
        name: "llama.cpp stream: empty events for split UTF-8, ends with stop true and no [DONE]",
        dialect: LlamaCppDialect(), stream: true,
        body: """
            data: {"index":0,"content":"<tool_call>","tokens":[151657],"stop":false,"id_slot":-1,"tokens_predicted":1}

            data: {"index":0,"content":"","tokens":[],"stop":false}

            data: {"index":0,"content":"é€😀\\n","tokens":[1],"stop":false}

            data: {"index":0,"content":"","id_slot":0,"stop":true,"model":"m","tokens_predicted":3,"tokens_evaluated":12,\
            "stop_type":"eos","stopping_word":"","timings":{"prompt_n":2,"predicted_n":3}}


            """,
        expected: [.text("<tool_call>é€😀\n"), .finished(.stop, Usage(promptTokens: 12, completionTokens: 3))]),
    WireSample(
        name: "llama.cpp stream: the token limit is length; timings give the counts when tokens_* are absent",
        dialect: LlamaCppDialect(), stream: true,
        body:
            "data: {\"content\":\"ab\",\"stop\":false}\r\n\r\ndata: {\"content\":\"c\",\"stop\":true,\"stop_type\":\"limit\","
            + "\"timings\":{\"prompt_n\":5,\"predicted_n\":2}}\r\n\r\n",
        expected: [.text("abc"), .finished(.length, Usage(promptTokens: 5, completionTokens: 2))]),
    WireSample(
        name: "llama.cpp whole: a stop string is stop; older servers' stopped_limit is length",
        dialect: LlamaCppDialect(), stream: false,
        body:
            #"{"content":"x\u0000y\u001b[0m","stop":true,"stopped_limit":true,"tokens_predicted":4,"tokens_evaluated":9}"#,
        expected: [.text("x\u{0}y\u{1b}[0m"), .finished(.length, Usage(promptTokens: 9, completionTokens: 4))]),
    WireSample(
        name: "OpenAI stream: SSE comments ignored, usage chunk after the finish reason, then [DONE]",
        dialect: OpenAICompletionsDialect(), stream: true,
        body: """
            : ping

            data: {"id":"c","object":"text_completion","choices":[{"index":0,"text":"Hel","finish_reason":null}]}

            data: {"id":"c","choices":[{"index":0,"text":"lo","finish_reason":"length"}]}

            event: message
            id: 7
            data: {"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}

            data: [DONE]


            """,
        expected: [.text("Hello"), .finished(.length, Usage(promptTokens: 3, completionTokens: 2))]),
    WireSample(
        name: "OpenAI stream without usage ends at [DONE]",
        dialect: OpenAICompletionsDialect(), stream: true,
        body: "data: {\"choices\":[{\"text\":\"a\",\"finish_reason\":null}]}\n\n"
            + "data: {\"choices\":[{\"text\":\"\",\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n",
        expected: [.text("a"), .finished(.stop, nil)]),
    WireSample(
        name: "OpenAI stream that closes after the finish reason without [DONE] still ends cleanly",
        dialect: OpenAICompletionsDialect(), stream: true,
        body: "data: {\"choices\":[{\"text\":\"a\",\"finish_reason\":\"stop\"}]}\n\n",
        expected: [.text("a"), .finished(.stop, nil)]),
    WireSample(
        name: "OpenAI whole body",
        dialect: OpenAICompletionsDialect(), stream: false,
        body: #"{"choices":[{"index":0,"text":"[TOOL_CALLS][{\"name\":\"f\"}]","finish_reason":"stop"}],"#
            + #""usage":{"prompt_tokens":10,"completion_tokens":6}}"#,
        expected: [
            .text("[TOOL_CALLS][{\"name\":\"f\"}]"), .finished(.stop, Usage(promptTokens: 10, completionTokens: 6)),
        ]),
    WireSample(
        name: "TGI stream: special tokens kept except the end-of-sequence token that ends generation",
        dialect: TGIDialect(), stream: true,
        body: """
            data:{"index":1,"token":{"id":1,"text":"[TOOL_CALLS]","logprob":-0.1,"special":true},"generated_text":null,"details":null}

            data:{"index":2,"token":{"id":2,"text":" ok","logprob":-0.1,"special":false},"generated_text":null,"details":null}

            data:{"index":3,"token":{"id":3,"text":"</s>","logprob":-0.1,"special":true},"generated_text":" ok",\
            "details":{"finish_reason":"eos_token","generated_tokens":3,"seed":null}}


            """,
        expected: [.text("[TOOL_CALLS] ok"), .finished(.stop, Usage(promptTokens: nil, completionTokens: 3))]),
    WireSample(
        name: "TGI whole body, stop sequence is stop",
        dialect: TGIDialect(), stream: false,
        body: #"{"generated_text":"done","details":{"finish_reason":"stop_sequence","generated_tokens":1}}"#,
        expected: [.text("done"), .finished(.stop, Usage(promptTokens: nil, completionTokens: 1))]),
    WireSample(
        name: "Ollama NDJSON stream, last line without a newline",
        dialect: OllamaDialect(), stream: true,
        body:
            "{\"model\":\"m\",\"response\":\"ça\",\"done\":false}\n{\"model\":\"m\",\"response\":\" va\",\"done\":false}\n"
            + "{\"model\":\"m\",\"response\":\"\",\"done\":true,\"done_reason\":\"length\",\"prompt_eval_count\":26,\"eval_count\":2}",
        expected: [.text("ça va"), .finished(.length, Usage(promptTokens: 26, completionTokens: 2))]),
    WireSample(
        name: "Ollama whole body",
        dialect: OllamaDialect(), stream: false,
        body: #"{"model":"m","response":"hi","done":true,"done_reason":"stop","prompt_eval_count":1,"eval_count":1}"#,
        expected: [.text("hi"), .finished(.stop, Usage(promptTokens: 1, completionTokens: 1))]),
]

@Suite("Response decoders")
struct DecoderTests {
    @Test("each real-server sample decodes to its events in one piece", arguments: wireSamples)
    func wholeSample(_ sample: WireSample) throws {
        let decoder = sample.dialect.makeDecoder(for: CompletionRequest(prompt: "p", model: "m", stream: sample.stream))
        let events = try decode(Array(sample.body.utf8), with: decoder, seed: nil)
        #expect(merged(events) == sample.expected)
    }

    @Test(
        "random splits of the bytes (inside UTF-8 sequences, lines, CRLF) give the same events",
        arguments: wireSamples)
    func randomSplits(_ sample: WireSample) throws {
        for seed in UInt64(1)...64 {
            let decoder = sample.dialect.makeDecoder(
                for: CompletionRequest(prompt: "p", model: "m", stream: sample.stream))
            let events = try decode(Array(sample.body.utf8), with: decoder, seed: seed)
            #expect(merged(events) == sample.expected, "seed \(seed)")
            #expect(!events.contains(.text("")), "an empty text event, seed \(seed)")
        }
    }

    @Test(
        "the fake backend's streams decode to its text under random splits, for every dialect",
        arguments: ["/completion", "/v1/completions", "/generate_stream", "/api/generate"])
    func fakeStreams(path: String) throws {
        let text = "<tool_call>\n{\"name\": \"météo\", \"arguments\": {\"ville\": \"Zürich 😀\"}}\n</tool_call>\u{1}\t"
        let reply = FakeReply(text, finishReason: "length", promptTokens: 11, completionTokens: 22, pieceCharacters: 2)
        let request: JSONValue = [
            "prompt": "p", "model": "m", "stream": true, "stream_options": ["include_usage": true],
        ]
        let fakeRequest = FakeRequest(method: "POST", path: path, headers: [], body: [], json: request, connection: 1)
        guard let fakeDialect = FakeDialect(path: path) else { return #expect(Bool(false), "no fake dialect") }
        let (pieces, final) = fakeDialect.events(reply, request: fakeRequest)
        let body = (pieces + final).flatMap { $0 }
        let dialect: any BackendDialect =
            switch fakeDialect {
            case .llamacpp: LlamaCppDialect()
            case .openai: OpenAICompletionsDialect()
            case .tgi: TGIDialect()
            case .ollama: OllamaDialect()
            }
        let prompt = fakeDialect == .tgi ? nil : 11
        for seed in UInt64(1)...32 {
            let decoder = dialect.makeDecoder(for: CompletionRequest(prompt: "p", model: "m", stream: true))
            let events = try decode(body, with: decoder, seed: seed)
            #expect(
                merged(events) == [.text(text), .finished(.length, Usage(promptTokens: prompt, completionTokens: 22))])
        }
    }

    @Test(
        "bad bytes give invalidResponse or backendReported, never a trap",
        arguments: [
            ("garbage line in an SSE stream", "data: {\"content\":\"a\",\"stop\":false}\n\nHTTP garbage\n\n", true),
            ("SSE data that is not JSON", "data: {\"content\": tru\n\n", true),
            ("stream cut before its final event", "data: {\"content\":\"a\",\"stop\":false}\n\n", true),
            ("whole body that is not JSON", "<html>502 Bad Gateway</html>", false),
            ("whole body cut off", "{\"content\":\"abc", false),
            ("whole body of the wrong shape", "[1, 2]", false),
            ("content of the wrong type", "{\"content\": 5, \"stop\": true}", false),
            ("invalid UTF-8 inside a JSON string", "data: {\"content\":\"\u{FFFD}\",\"stop\":true}\n\n", true),
        ])
    func garbage(name: String, body: String, stream: Bool) {
        var bytes = Array(body.utf8)
        if name.contains("invalid UTF-8"), let index = bytes.firstIndex(of: 0xEF) {
            bytes.replaceSubrange(index..<(index + 3), with: [0xC3, 0x28, 0xFF])
        }
        for seed in [nil, 3, 4] as [UInt64?] {
            let decoder = LlamaCppDialect().makeDecoder(for: CompletionRequest(prompt: "p", stream: stream))
            do {
                _ = try decode(bytes, with: decoder, seed: seed)
                Issue.record("\(name): decoded without an error")
            } catch BackendError.invalidResponse {
            } catch {
                Issue.record("\(name): \(error)")
            }
        }
    }

    @Test(
        "an error event mid-stream becomes backendReported with the server's message",
        arguments: [
            (
                LlamaCppDialect() as any BackendDialect,
                "data: {\"content\":\"a\",\"stop\":false}\n\ndata: {\"error\":{\"code\":500,\"message\":\"KV cache full\"}}\n\n"
            ),
            (
                OpenAICompletionsDialect(),
                "data: {\"error\":{\"object\":\"error\",\"message\":\"KV cache full\",\"code\":400}}\n\n"
            ),
            (TGIDialect(), "data:{\"error\":\"KV cache full\",\"error_type\":\"generation\"}\n\n"),
            (OllamaDialect(), "{\"error\":\"KV cache full\"}\n"),
        ])
    func errorEvents(dialect: any BackendDialect, body: String) {
        let decoder = dialect.makeDecoder(for: CompletionRequest(prompt: "p", model: "m", stream: true))
        #expect(throws: BackendError.backendReported(message: "KV cache full")) {
            _ = try decode(Array(body.utf8), with: decoder, seed: 5)
        }
    }
}
