import FakeBackend
import JSON
import Testing

/// A client that goes away: the gateway lets go of the backend at once and leaves nothing behind.
@Suite("Clients that go away")
struct DisconnectTests {
    /// A long, slow answer: 3000 events 20 ms apart (a minute) unless someone hangs up. Long enough that the
    /// backend cannot finish it normally while the test process is busy: other suites running in parallel can
    /// keep the concurrency pool (two threads on two cores) from the gateway's handlers for seconds, and a
    /// client that only gets its first chunks then must still find the backend mid-answer.
    static let slowAnswer = FakeReply(String(repeating: "word ", count: 3000), pieceCharacters: 5,
                                      pieceDelay: .milliseconds(20))

    @Test("a client that closes mid-stream makes the backend see its connection closed", arguments: Fixtures.dialects)
    func midStream(dialect: String) async throws {
        let model = "qwen-\(dialect)"
        try await withGateway { gateway in
            gateway.fake.enqueue(Self.slowAnswer)
            let port = gateway.port
            let body = Array(Chat.request(model: model, stream: true).serialized().utf8)
            let firstChunks = try await offPool { () -> [String] in
                let client = try HTTPTestClient(port: port)
                defer { client.close() }
                try client.sendRequest("POST", "/v1/chat/completions", headers: [("Content-Type", "application/json")],
                                       body: body)
                let head = try client.readHead()
                guard head.status == 200 else { throw FixtureError("status \(head.status)") }
                var chunks: [String] = []
                for _ in 0..<3 {
                    guard let chunk = try client.readChunk() else { break }
                    chunks.append(String(decoding: chunk, as: UTF8.self))
                }
                return chunks
            }
            #expect(firstChunks.count == 3)
            #expect(firstChunks.first?.contains("\"role\":\"assistant\"") == true, "\(firstChunks)")
            #expect(await eventually(within: .seconds(5)) { gateway.fake.abandonedResponses == 1 },
                    "the backend still streams to a gateway whose client left")
            #expect(await gateway.isQuiet(), "left behind: \(gateway.server.stats)")
        }
    }

    @Test("a client that closes while a whole response is being generated cancels the backend request")
    func whileWaiting() async throws {
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.plain, misbehaviour: .stallBeforeResponse(.seconds(20))))
            let port = gateway.port
            let body = Array(Chat.request(model: "qwen-llamacpp").serialized().utf8)
            let client = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.sendRequest("POST", "/v1/chat/completions", headers: [("Content-Type", "application/json")],
                                       body: body)
                return client
            }
            #expect(await eventually { gateway.completionRequests.count == 1 })
            client.close()
            #expect(await eventually(within: .seconds(5)) { gateway.fake.abandonedResponses == 1 })
            #expect(await gateway.isQuiet(), "left behind: \(gateway.server.stats)")
        }
    }

    @Test("after clients went away mid-stream, the next requests are served normally")
    func servesAfterwards() async throws {
        try await withGateway { gateway in
            for _ in 0..<3 { gateway.fake.enqueue(Self.slowAnswer) }
            let port = gateway.port
            let body = Array(Chat.request(model: "qwen-openai", stream: true).serialized().utf8)
            for _ in 0..<3 {
                try await offPool {
                    let client = try HTTPTestClient(port: port)
                    defer { client.close() }
                    try client.sendRequest("POST", "/v1/chat/completions",
                                           headers: [("Content-Type", "application/json")], body: body)
                    _ = try client.readHead()
                    _ = try client.readChunk()
                }
            }
            #expect(await eventually(within: .seconds(5)) { gateway.fake.abandonedResponses == 3 })
            gateway.fake.enqueue(FakeReply(HermesOutput.oneCall))
            let result = try await gateway.chat(Chat.request(model: "qwen-openai", stream: true))
                .chatResult(model: "qwen-openai")
            #expect(result.problems.isEmpty, "\(result.problems)")
            #expect(result.toolCalls.map(\.name) == ["get_weather"])
        }
    }
}
