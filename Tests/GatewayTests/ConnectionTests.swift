import FakeBackend
import JSON
import Testing

/// Connections: keep-alive across whole and streamed responses, and many requests at once.
@Suite("Connections and concurrency")
struct ConnectionTests {
    @Test("one keep-alive connection carries a whole chat, a streamed chat and a models listing in turn")
    func keepAlive() async throws {
        try await withGateway { gateway in
            gateway.fake.enqueue(FakeReply(HermesOutput.oneCall), FakeReply(HermesOutput.twoCalls))
            let port = gateway.port
            let whole = Array(Chat.request(model: "qwen-llamacpp").serialized().utf8)
            let streamed = Array(Chat.request(model: "qwen-llamacpp", stream: true).serialized().utf8)
            let replies = try await offPool { () -> [HTTPReply] in
                let client = try HTTPTestClient(port: port)
                defer { client.close() }
                var replies: [HTTPReply] = []
                for (method, path, body) in [("POST", "/v1/chat/completions", whole),
                                             ("POST", "/v1/chat/completions", streamed), ("GET", "/v1/models", [])]
                {
                    try client.sendRequest(method, path, headers: [("Content-Type", "application/json")], body: body)
                    let head = try client.readHead()
                    replies.append(HTTPReply(head: head, body: try client.readBody(after: head)))
                }
                return replies
            }
            #expect(replies.map(\.status) == [200, 200, 200])
            #expect(replies.allSatisfy { $0.header("connection")?.lowercased() != "close" })
            #expect(replies[0].chatResult(model: "qwen-llamacpp").toolCalls.map(\.name) == ["get_weather"])
            let stream = replies[1].chatResult(model: "qwen-llamacpp")
            #expect(stream.problems.isEmpty, "\(stream.problems)")
            #expect(stream.toolCalls.map(\.name) == ["get_weather", "get_time"])
            #expect(replies[2].json?["object"] == "list")
        }
    }

    @Test("sixteen requests at once, streamed and not, each get their own answer")
    func concurrent() async throws {
        try await withGateway { gateway in
            // The answer names the city the prompt asks about, so crossed wires would show.
            gateway.fake.respond { request in
                let prompt = request.prompt ?? ""
                let city = (0..<16).map { "City\($0)x" }.last { prompt.contains($0) } ?? "nowhere"
                let call = "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"\(city)\"}}"
                return FakeReply("Looking.\n<tool_call>\n\(call)\n</tool_call>", pieceCharacters: 4,
                                 pieceDelay: .milliseconds(1))
            }
            let results = try await withThrowingTaskGroup(of: (Int, ChatResult).self) { group in
                for number in 0..<16 {
                    let model = "qwen-" + Fixtures.dialects[number % 4]
                    let messages: [JSONValue] = [["role": "user", "content": .string("Weather in City\(number)x?")]]
                    let request = Chat.request(model: model, messages: messages, stream: number % 2 == 0)
                    group.addTask { (number, try await gateway.chat(request).chatResult(model: model)) }
                }
                var results: [Int: ChatResult] = [:]
                for try await (number, result) in group { results[number] = result }
                return results
            }
            #expect(results.count == 16)
            for (number, result) in results.sorted(by: { $0.key < $1.key }) {
                #expect(result.problems.isEmpty, "\(number): \(result.problems)")
                #expect(result.toolCalls.first?.argumentsValue == ["city": .string("City\(number)x")], "\(number)")
                #expect(result.text.hasPrefix("Looking."), "\(number)")
            }
            let ids = results.values.flatMap { $0.toolCalls.map(\.id) } + results.values.map(\.id)
            #expect(Set(ids).count == 32, "response and call ids are unique")
        }
    }
}
