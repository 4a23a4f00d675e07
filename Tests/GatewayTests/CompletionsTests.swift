import FakeBackend
import Foundation
import JSON
import Testing

/// `POST /v1/completions`: a raw prompt passed through untouched, raw text back.
@Suite("Text completions pass-through")
struct CompletionsTests {
    static let prompt = "<|im_start|>user\nSay hi<|im_end|>\n<|im_start|>assistant\n"

    static func request(model: String, stream: Bool, extra: JSONObject = [:]) -> [UInt8] {
        var body: JSONObject = ["model": .string(model), "prompt": .string(prompt), "max_tokens": 12,
                                "stop": ["<|im_end|>"]]
        if stream { body["stream"] = true }
        for entry in extra { body[entry.key] = entry.value }
        return Array(JSONValue.object(body).serialized().utf8)
    }

    static func checkHeader(_ value: JSONValue, model: String) -> Bool {
        value["id"]?.stringValue?.hasPrefix("cmpl-") == true && value["object"] == "text_completion"
            && value["model"]?.stringValue == model && value["created"]?.numberValue?.intValue != nil
    }

    @Test("the prompt reaches the backend as given, and the text comes back whole or streamed",
          arguments: Fixtures.dialects, [false, true])
    func passThrough(dialect: String, stream: Bool) async throws {
        let model = "qwen-\(dialect)"
        let output = "Hi! <tool_call> is not parsed here — it is raw text."
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(output, promptTokens: 9, completionTokens: 4))
            let body = Self.request(model: model, stream: stream, extra: ["stream_options": ["include_usage": true]])
            let reply = try await gateway.send("POST", "/v1/completions",
                                               headers: [("Content-Type", "application/json")], body: body)
            #expect(reply.status == 200, "\(reply.text)")
            let sent = try #require(gateway.completionRequests.last)
            #expect(sent.prompt == Self.prompt)
            #expect(ParallelToolCallsTests.stopStrings(sent) == ["<|im_end|>"])
            if !stream {
                let body = try #require(reply.json)
                #expect(Self.checkHeader(body, model: model), "\(body)")
                #expect(body["choices"]?[0]?["text"]?.stringValue == output)
                #expect(body["choices"]?[0]?["finish_reason"] == "stop")
                #expect(body["usage"]?["completion_tokens"]?.numberValue?.intValue == 4)
                return
            }
            let events = reply.events
            #expect(events.last == "[DONE]", "\(reply.text)")
            let chunks = events.dropLast().compactMap { try? JSONParser().parse($0) }
            #expect(chunks.count == events.count - 1, "every event is JSON")
            #expect(chunks.allSatisfy { Self.checkHeader($0, model: model) })
            let text = chunks.compactMap { $0["choices"]?[0]?["text"]?.stringValue }.joined()
            #expect(text == output)
            let finishes = chunks.compactMap { $0["choices"]?[0]?["finish_reason"]?.stringValue }
            #expect(finishes == ["stop"])
            let usage = try #require(chunks.last?["usage"], "include_usage adds a usage chunk")
            #expect(chunks.last?["choices"]?.arrayValue?.isEmpty == true)
            #expect(usage["completion_tokens"]?.numberValue?.intValue == 4)
        }
    }

    @Test("a backend failure is a 502 before the stream starts and an error event after")
    func failures() async throws {
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply("", misbehaviour: .status(500, body: "{}")),
                                 FakeReply("partial output", misbehaviour: .resetMidStream(afterEvents: 2)))
            let before = try await gateway.send("POST", "/v1/completions", body: Self.request(model: "qwen-openai",
                                                                                               stream: true))
            expectError(before, status: 502, type: "server_error", code: "backend_http_error")
            let after = try await gateway.send("POST", "/v1/completions", body: Self.request(model: "qwen-openai",
                                                                                              stream: true))
            #expect(after.status == 200)
            let events = after.events
            #expect(events.last == "[DONE]", "\(after.text)")
            let error = try #require(events.dropLast().last.flatMap { try? JSONParser().parse($0) })
            expectErrorEnvelope(error, type: "server_error", code: "backend_connection_reset")
        }
    }
}
