import Foundation
import JSON
import Testing

@testable import Backends

@Suite("Replay backend")
struct ReplayTests {
    static let captures = [
        CaptureRecord(
            id: "1", model: "qwen", backend: "llamacpp", prompt: "<|user|>Weather in Paris?<|assistant|>",
            text: "<tool_call>{\"name\": \"get_weather\"}</tool_call>", finishReason: .stop,
            usage: Usage(promptTokens: 9, completionTokens: 12), lastUserMessage: "Weather in Paris?"),
        CaptureRecord(prompt: "<|user|>Count<|assistant|>", text: "1 2 3 é😀", finishReason: .length),
    ]

    static var fileText: String {
        [
            captures[0].jsonLine(), "not json at all", #"{"prompt": "no text"}"#, "", "[1]", captures[1].jsonLine(),
            #"{"prompt": "<|user|>Count<|assistant|>", "text": "a later duplicate"}"#,
        ].joined(separator: "\n")
    }

    @Test("capture lines round-trip through the documented format")
    func roundTrip() throws {
        for record in Self.captures {
            let line = record.jsonLine()
            #expect(!line.contains("\n"))
            #expect(try CaptureRecord.parse(line: line).get() == record)
        }
        let line = Self.captures[0].jsonLine()
        #expect(line.hasPrefix(#"{"id":"1","model":"qwen","backend":"llamacpp","prompt":"#))
    }

    @Test("a file with malformed lines loads the good ones and counts the rest")
    func malformedLines() {
        let replay = ReplayBackend(contents: Self.fileText, logger: testLogger)
        #expect(replay.records.count == 3)
        #expect(replay.skippedLines == 3)
    }

    @Test("an exact prompt is answered with the captured text, finish reason and usage; the first capture wins")
    func exactMatch() async throws {
        let replay = ReplayBackend(contents: Self.fileText, logger: testLogger)
        let backend = Backend(replay: replay)
        let first = await collect(backend.complete(CompletionRequest(prompt: Self.captures[0].prompt)))
        #expect(first.pieces == [Self.captures[0].text])
        #expect(first.finish == .stop)
        #expect(first.usage == Usage(promptTokens: 9, completionTokens: 12))
        let second = await collect(backend.complete(CompletionRequest(prompt: Self.captures[1].prompt)))
        #expect(second.text == "1 2 3 é😀")
        #expect(second.finish == .length)
        #expect(second.usage == nil)
    }

    @Test("streaming splits the text into chunks of the configured number of characters")
    func streamingChunks() async throws {
        let replay = ReplayBackend(records: Self.captures, options: .init(chunkCharacters: 3))
        let outcome = await collect(
            Backend(replay: replay).complete(
                CompletionRequest(
                    prompt: Self.captures[1].prompt,
                    stream: true)))
        #expect(outcome.pieces == ["1 2", " 3 ", "é😀"])
        #expect(outcome.finish == .length)
    }

    @Test("streaming with a delay spaces the chunks out")
    func streamingDelay() async throws {
        let replay = ReplayBackend(
            records: Self.captures, options: .init(chunkCharacters: 1, chunkDelay: .milliseconds(20)))
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = await collect(
            Backend(replay: replay).complete(
                CompletionRequest(
                    prompt: Self.captures[1].prompt,
                    stream: true)))
        #expect(outcome.pieces.count == 8)
        #expect(clock.now - start >= .milliseconds(140))
    }

    @Test("a prompt with no capture is noCaptureForPrompt (502) with the count and the closest common prefix")
    func noMatch() async throws {
        let replay = ReplayBackend(records: Self.captures)
        let prompt = "<|user|>Weather in Rome?<|assistant|>"
        let outcome = await collect(Backend(replay: replay).complete(CompletionRequest(prompt: prompt)))
        #expect(outcome.error == .noCaptureForPrompt(loaded: 2, closestCommonPrefix: 19, promptLength: prompt.count))
        #expect(outcome.error?.httpStatus == 502)
        #expect(outcome.error?.description.contains("2 captures loaded") == true)
    }

    @Test("the opt-in fallback answers by the last user message found latest in the prompt")
    func lastUserMessageFallback() async throws {
        let prompt = "<|system|>Be brief.<|user|>Hi<|assistant|>Hello<|user|>Weather in Paris?<|assistant|>"
        let strict = ReplayBackend(records: Self.captures)
        guard case .failure = strict.capture(for: prompt) else {
            Issue.record("strict mode matched")
            return
        }
        let lenient = ReplayBackend(records: Self.captures, options: .init(matchLastUserMessage: true))
        #expect(try lenient.capture(for: prompt).get().id == "1")
    }

    @Test("the fallback reads last_user_message from an OpenAI messages array too")
    func messagesField() throws {
        let line =
            #"{"prompt": "p", "text": "t", "messages": [{"role": "user", "content": "first"}, "#
            + #"{"role": "assistant", "content": "x"}, {"role": "user", "content": [{"type": "text", "text": "last"}]}]}"#
        #expect(try CaptureRecord.parse(line: line).get().lastUserMessage == "last")
    }

    @Test("Backend(dialect: replay) loads a capture file from its path")
    func fromFile() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString).jsonl")
            .path
        try Self.fileText.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let backend = try Backend(
            dialect: "replay", url: path, transport: CurlTransport(logger: testLogger),
            logger: testLogger)
        #expect(backend.dialectName == "replay")
        #expect(await backend.health() == nil)
        let outcome = await collect(backend.complete(CompletionRequest(prompt: Self.captures[0].prompt, stream: true)))
        #expect(outcome.text == Self.captures[0].text)
        #expect(throws: BackendError.self) {
            _ = try Backend(
                dialect: "replay", url: path + ".missing", transport: CurlTransport(logger: testLogger),
                logger: testLogger)
        }
    }

    @Test("unknown dialects and non-HTTP URLs are invalidConfiguration")
    func badConfiguration() throws {
        let transport = try CurlTransport(logger: testLogger)
        #expect(
            throws: BackendError.invalidConfiguration(
                "unknown dialect 'vllm' (known: llamacpp, openai, tgi, ollama, replay)")
        ) {
            _ = try Backend(dialect: "vllm", url: "http://x", transport: transport, logger: testLogger)
        }
        #expect(throws: BackendError.self) {
            _ = try Backend(dialect: "openai", url: "ftp://x", transport: transport, logger: testLogger)
        }
    }
}
