import FakeBackend
import JSON
import Testing

@testable import Backends

/// One dialect's expected wire request for the standard request below.
struct DialectCase: CustomStringConvertible, Sendable {
    let dialect: String
    let stream: Bool
    let path: String
    let body: JSONValue
    let usage: Usage

    var description: String { "\(dialect)\(stream ? " streamed" : "")" }
}

/// A chat prompt of about 2 KB.
let longPrompt =
    "<|im_start|>system\n" + String(repeating: "You are a helpful assistant. ", count: 80)
    + "<|im_end|>\n<|im_start|>user\nWeather in Zürich?<|im_end|>\n<|im_start|>assistant\n"

let standardRequest = CompletionRequest(
    prompt: longPrompt, model: "qwen", maxTokens: 64, temperature: 0.5, topP: 0.9,
    seed: 42, stop: ["<|im_end|>"], preservedTokens: ["<tool_call>", "</tool_call>"])

let dialectCases: [DialectCase] = [false, true].flatMap { stream -> [DialectCase] in
    [
        DialectCase(
            dialect: "llamacpp", stream: stream, path: "/completion",
            body: [
                "prompt": .string(longPrompt), "n_predict": 64, "temperature": 0.5, "top_p": 0.9,
                "seed": 42, "stop": ["<|im_end|>"], "stream": .bool(stream),
                "preserved_tokens": ["<tool_call>", "</tool_call>"],
            ],
            usage: Usage(promptTokens: 11, completionTokens: 5)),
        DialectCase(
            dialect: "openai", stream: stream, path: "/v1/completions",
            body: .object(
                {
                    var body: JSONObject = [
                        "model": "qwen", "prompt": .string(longPrompt), "max_tokens": 64,
                        "temperature": 0.5, "top_p": 0.9, "seed": 42, "stop": ["<|im_end|>"],
                        "stream": .bool(stream), "skip_special_tokens": false,
                    ]
                    if stream { body["stream_options"] = ["include_usage": true] }
                    return body
                }()),
            usage: Usage(promptTokens: 11, completionTokens: 5)),
        DialectCase(
            dialect: "tgi", stream: stream, path: stream ? "/generate_stream" : "/generate",
            body: [
                "inputs": .string(longPrompt),
                "parameters": [
                    "max_new_tokens": 64, "temperature": 0.5, "top_p": 0.9, "seed": 42,
                    "stop": ["<|im_end|>"], "details": true, "return_full_text": false,
                ],
            ],
            usage: Usage(promptTokens: nil, completionTokens: 5)),
        DialectCase(
            dialect: "ollama", stream: stream, path: "/api/generate",
            body: [
                "model": "qwen", "prompt": .string(longPrompt), "raw": true, "stream": .bool(stream),
                "options": [
                    "num_predict": 64, "temperature": 0.5, "top_p": 0.9, "seed": 42,
                    "stop": ["<|im_end|>"],
                ],
            ],
            usage: Usage(promptTokens: 11, completionTokens: 5)),
    ]
}

@Suite("Dialects over loopback HTTP against the fake backend")
struct DialectExchangeTests {
    static let output = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Zürich\"}}\n</tool_call>"

    @Test("each dialect sends its exact request and gets the text, finish reason and usage", arguments: dialectCases)
    func exchange(_ testCase: DialectCase) async throws {
        let (fake, backend) = try makePair(testCase.dialect, apiKey: "sk-test")
        defer { fake.stop() }
        fake.enqueue(FakeReply(Self.output, promptTokens: 11, completionTokens: 5, pieceCharacters: 4))
        var request = standardRequest
        request.stream = testCase.stream
        let outcome = await collect(backend.complete(request))

        #expect(outcome.error == nil)
        #expect(outcome.text == Self.output)
        #expect(outcome.finish == .stop)
        #expect(outcome.usage == testCase.usage)
        if testCase.stream {
            #expect(outcome.pieces.count > 5, "streamed output arrives in pieces")
        } else {
            #expect(outcome.pieces == [Self.output])
        }
        let received = try #require(fake.requests.first)
        #expect(received.method == "POST")
        #expect(received.path == testCase.path)
        #expect(received.json == testCase.body)
        #expect(received.header("content-type") == "application/json")
        #expect(received.header("authorization") == "Bearer sk-test")
    }

    @Test("a body above 1 MiB goes out without Expect: 100-continue (curl 7.88 adds it from 1 MiB)")
    func noExpectContinue() async throws {
        let (fake, backend) = try makePair("llamacpp")
        defer { fake.stop() }
        let prompt = String(repeating: "x", count: 1_100_000)
        let outcome = await collect(backend.complete(CompletionRequest(prompt: prompt)))
        #expect(outcome.finish == .stop)
        let received = try #require(fake.requests.first)
        #expect(received.header("expect") == nil)
        #expect(received.prompt == prompt)
    }

    @Test("the token limit is reported as length in every dialect", arguments: dialectCases)
    func lengthFinish(_ testCase: DialectCase) async throws {
        let (fake, backend) = try makePair(testCase.dialect)
        defer { fake.stop() }
        fake.enqueue(FakeReply("cut sh", finishReason: "length"))
        var request = standardRequest
        request.stream = testCase.stream
        let outcome = await collect(backend.complete(request))
        #expect(outcome.text == "cut sh")
        #expect(outcome.finish == .length)
    }

    @Test(
        "control characters and UTF-8 split across single-byte network writes arrive intact",
        arguments: ["llamacpp", "openai", "tgi", "ollama"])
    func byteByByte(dialect: String) async throws {
        let (fake, backend) = try makePair(dialect)
        defer { fake.stop() }
        let text = "\u{0}\u{1}\u{7f}\t\r\n\u{1b}[31m é€😀👩‍👩‍👧 \"\\ \u{2028}"
        fake.enqueue(FakeReply(text, pieceCharacters: 2, splitWrites: 1))
        var request = standardRequest
        request.stream = true
        let outcome = await collect(backend.complete(request))
        #expect(outcome.error == nil)
        #expect(outcome.text == text)
    }

    @Test("sequential requests reuse one keep-alive connection")
    func keepAlive() async throws {
        let (fake, backend) = try makePair("llamacpp")
        defer { fake.stop() }
        for index in 0..<5 {
            let outcome = await collect(
                backend.complete(CompletionRequest(prompt: "p\(index)", stream: index % 2 == 0)))
            #expect(outcome.finish == .stop)
        }
        #expect(fake.requests.map(\.prompt) == ["p0", "p1", "p2", "p3", "p4"])
        #expect(fake.connectionsAccepted == 1)
    }

    @Test("concurrent requests each get their own answer")
    func concurrent() async throws {
        let (fake, backend) = try makePair("openai")
        defer { fake.stop() }
        fake.respond { request in FakeReply("echo:" + (request.prompt ?? "?"), pieceCharacters: 2) }
        let texts = await withTaskGroup(of: (Int, String).self) { group in
            for index in 0..<24 {
                group.addTask {
                    let request = CompletionRequest(prompt: "prompt \(index)", model: "m", stream: index % 2 == 0)
                    return (index, await collect(backend.complete(request)).text)
                }
            }
            var texts: [Int: String] = [:]
            for await (index, text) in group { texts[index] = text }
            return texts
        }
        for index in 0..<24 { #expect(texts[index] == "echo:prompt \(index)") }
    }

    @Test(
        "a streamed answer is delivered as it is generated, not at the end",
        arguments: ["llamacpp", "openai", "tgi", "ollama"])
    func incremental(dialect: String) async throws {
        let (fake, backend) = try makePair(dialect)
        defer { fake.stop() }
        // The backend sends two pieces, then goes silent for a minute: the pieces must arrive meanwhile.
        fake.enqueue(
            FakeReply("abcdefghi", pieceCharacters: 3, misbehaviour: .stallMidStream(afterEvents: 2, .seconds(60))))
        var text = ""
        for try await event in backend.complete(CompletionRequest(prompt: "p", model: "m", stream: true)) {
            if case .text(let piece) = event { text += piece }
            if text == "abcdef" { break }
        }
        #expect(text == "abcdef")
    }

    @Test(
        "health is nil when the backend answers, the error otherwise",
        arguments: ["llamacpp", "openai", "tgi", "ollama"])
    func health(dialect: String) async throws {
        let (fake, backend) = try makePair(dialect)
        #expect(await backend.health() == nil)
        if dialect == "llamacpp" || dialect == "tgi" {
            fake.healthStatus = 503
            let error = await backend.health()
            guard case .httpStatus(503, let body)? = error else {
                Issue.record("got \(String(describing: error))")
                return
            }
            #expect(body.contains("Loading model"))
        }
        fake.stop()
        try await Task.sleep(for: .milliseconds(50))
        let transport = try CurlTransport(logger: testLogger)
        let refused = try Backend(
            dialect: dialect, url: "http://127.0.0.1:\(FakeBackend.unusedPort())",
            transport: transport, logger: testLogger)
        let refusal = await refused.health()
        guard case .connectFailed? = refusal else {
            Issue.record("expected connectFailed, got \(String(describing: refusal))")
            return
        }
    }

    @Test("llama.cpp props come back as JSON; dialects without props give nil")
    func props() async throws {
        let (fake, backend) = try makePair("llamacpp")
        defer { fake.stop() }
        fake.props = ["chat_template": "{{ messages }}", "bos_token": "<s>", "eos_token": "</s>"]
        #expect(try await backend.props() == fake.props)
        #expect(fake.requests.last?.path == "/props")
        let (other, openai) = try makePair("openai")
        defer { other.stop() }
        #expect(try await openai.props() == nil)
    }
}
