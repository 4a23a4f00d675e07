import Backends
import FakeBackend
import Foundation
import Gateway
import JSON
import Testing

/// `capture`: one JSON line per chat request, which the replay backend answers from.
@Suite("Capture and replay")
struct CaptureTests {
    static let exchanges: [(output: String, stream: Bool, question: String)] = [
        (HermesOutput.textAndCall, false, "Weather in Paris?"),
        (HermesOutput.twoCalls, true, "Weather and time in Paris?"),
        (HermesOutput.plain, true, "Is it nice out?"),
    ]

    static func request(_ exchange: (output: String, stream: Bool, question: String)) -> JSONValue {
        Chat.request(model: "qwen-llamacpp", messages: [["role": "user", "content": .string(exchange.question)]],
                     stream: exchange.stream)
    }

    @Test("one capture line per chat request holds its exact prompt and raw output; replaying answers the same")
    func captureThenReplay() async throws {
        let path = Fixtures.temporaryPath(".jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        var originals: [ChatResult] = []
        var prompts: [String] = []
        try await withGateway(configure: { configuration, _ in configuration.capturePath = path }) { gateway in
            for exchange in Self.exchanges {
                gateway.fake.enqueue(FakeReply(exchange.output, promptTokens: 21, completionTokens: 17))
                let result = try await gateway.chat(Self.request(exchange)).chatResult(model: "qwen-llamacpp")
                #expect(result.problems.isEmpty, "\(result.problems)")
                originals.append(result)
            }
            prompts = gateway.completionRequests.compactMap(\.prompt)
        }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        try #require(lines.count == Self.exchanges.count, "\(text)")
        for (number, line) in lines.enumerated() {
            let record = try CaptureRecord.parse(line: String(line)).get()
            #expect(record.prompt == prompts[number])
            #expect(record.text == Self.exchanges[number].output)
            #expect(record.model == "qwen-llamacpp")
            #expect(record.backend == "llamacpp")
            #expect(record.finishReason == .stop)
            #expect(record.usage == Usage(promptTokens: 21, completionTokens: 17))
            #expect(record.lastUserMessage == Self.exchanges[number].question)
            #expect(record.id == originals[number].id, "the capture names the response it belongs to")
            let parsedNames = record.parsed?["tool_calls"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(parsedNames == originals[number].toolCalls.map(\.name))
        }

        try await withGateway(configure: { configuration, _ in
            var replay = Fixtures.qwenProfile("llamacpp", url: path)
            replay.dialect = "replay"
            configuration.models = [replay]
        }) { gateway in
            for (number, exchange) in Self.exchanges.enumerated() {
                let result = try await gateway.chat(Self.request(exchange)).chatResult(model: "qwen-llamacpp")
                #expect(result.problems.isEmpty, "\(result.problems)")
                #expect(result.text == originals[number].text)
                #expect(result.toolCalls.map(\.name) == originals[number].toolCalls.map(\.name))
                #expect(result.toolCalls.map(\.arguments) == originals[number].toolCalls.map(\.arguments))
                #expect(result.finishReason == originals[number].finishReason)
            }
            #expect(gateway.fake.requests.isEmpty, "the replay backend needs no server")
            // A conversation nobody captured.
            let unknown = Chat.request(model: "qwen-llamacpp", messages: [["role": "user", "content": "Hello?"]])
            let reply = try await gateway.chat(unknown)
            expectError(reply, status: 502, type: "server_error", code: "no_capture_for_prompt")
        }
    }

    @Test("a failed backend request writes no capture line")
    func noLineForFailures() async throws {
        let path = Fixtures.temporaryPath(".jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withGateway(configure: { configuration, _ in configuration.capturePath = path }) { gateway in
            gateway.fake.enqueue(FakeReply("", misbehaviour: .status(500, body: "{}")))
            let failed = try await gateway.chat(Chat.request(model: "qwen-llamacpp"))
            #expect(failed.status == 502)
            let refused = try await gateway.chat(Chat.request(model: "nope"))
            #expect(refused.status == 404)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8).isEmpty)
    }
}
