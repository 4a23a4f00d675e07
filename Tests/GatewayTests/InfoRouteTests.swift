import FakeBackend
import Foundation
import JSON
import Testing

/// `/v1/models`, `/health` and `/metrics`.
@Suite("Models, health and metrics")
struct InfoRouteTests {
    static let modelNames = ["qwen-llamacpp", "qwen-openai", "qwen-tgi", "qwen-ollama", "mistral", "llama3"]

    @Test("/v1/models lists every configured model in order, and /v1/models/{id} describes one")
    func models() async throws {
        try await withGateway { gateway in
            let reply = try await gateway.get("/v1/models")
            #expect(reply.status == 200)
            #expect(reply.header("content-type") == "application/json")
            let body = try #require(reply.json)
            #expect(body["object"] == "list")
            let data = try #require(body["data"]?.arrayValue)
            #expect(data.compactMap { $0["id"]?.stringValue } == Self.modelNames)
            for model in data {
                #expect(model["object"] == "model")
                #expect(model["owned_by"]?.stringValue?.isEmpty == false)
                #expect(model["created"]?.numberValue?.intValue != nil)
            }
            let one = try await gateway.get("/v1/models/mistral")
            #expect(one.status == 200)
            #expect(one.json?["id"] == "mistral")
            #expect(one.json == data[4])
        }
    }

    @Test("/health is 200 when every backend answers")
    func healthy() async throws {
        try await withGateway { gateway in
            let reply = try await gateway.get("/health")
            #expect(reply.status == 200, "\(reply.text)")
            let body = try #require(reply.json)
            #expect(body["status"] == "ok")
            for name in Self.modelNames { #expect(body["models"]?[name]?["status"] == "ok", "\(name)") }
            #expect(gateway.fake.requests.contains { $0.path == "/health" }, "the backend was asked")
        }
    }

    @Test("/health is 503 naming the model whose backend is down or still loading")
    func unhealthy() async throws {
        let loading = try FakeBackend()
        defer { loading.stop() }
        loading.healthStatus = 503
        try await withGateway(configure: { configuration, _ in
            var down = Fixtures.qwenProfile("llamacpp", url: "http://127.0.0.1:\(FakeBackend.unusedPort())")
            down.name = "down"
            // llama.cpp answers /health with 503 while it loads the model.
            var starting = Fixtures.qwenProfile("llamacpp", url: loading.baseURL)
            starting.name = "starting"
            configuration.models += [down, starting]
        }) { gateway in
            let reply = try await gateway.get("/health")
            #expect(reply.status == 503, "\(reply.text)")
            let body = try #require(reply.json)
            #expect(body["status"] == "unavailable")
            #expect(body["models"]?["qwen-llamacpp"]?["status"] == "ok")
            #expect(body["models"]?["down"]?["status"] == "unavailable")
            #expect(body["models"]?["down"]?["error"]?.stringValue?.contains("could not connect") == true, "\(body)")
            #expect(body["models"]?["starting"]?["status"] == "unavailable")
            #expect(body["models"]?["starting"]?["error"]?.stringValue?.contains("503") == true, "\(body)")
        }
    }

    @Test("/metrics counts requests by route and status, backend errors and tool calls, and shows the gauges")
    func metrics() async throws {
        try await withGateway { gateway in
            gateway.fake.enqueue(
                FakeReply(HermesOutput.twoCalls),
                FakeReply(HermesOutput.oneCall, pieceCharacters: 2),
                FakeReply("", misbehaviour: .status(500, body: "{}")))
            #expect(try await gateway.chat(Chat.request(model: "qwen-llamacpp")).status == 200)
            #expect(try await gateway.chat(Chat.request(model: "qwen-openai", stream: true)).status == 200)
            #expect(try await gateway.chat(Chat.request(model: "qwen-tgi")).status == 502)
            #expect(try await gateway.chat(Chat.request(model: "nope")).status == 404)
            #expect(try await gateway.get("/v1/models").status == 200)
            #expect(try await gateway.get("/nowhere").status == 404)

            // A stream's request is counted when its last byte has gone, which the client may see first.
            var text = ""
            let counted = await eventually {
                text = gateway.gateway.metrics.exposition()
                return text.contains(#"toolgate_requests_total{route="/v1/chat/completions",status="200"} 2"#)
            }
            #expect(counted, "\(text)")
            let reply = try await gateway.get("/metrics")
            #expect(reply.status == 200)
            #expect(reply.header("content-type")?.hasPrefix("text/plain") == true)
            let exposition = reply.text
            for line in [
                #"toolgate_requests_total{route="/v1/chat/completions",status="200"} 2"#,
                #"toolgate_requests_total{route="/v1/chat/completions",status="502"} 1"#,
                #"toolgate_requests_total{route="/v1/chat/completions",status="404"} 1"#,
                #"toolgate_requests_total{route="/v1/models",status="200"} 1"#,
                #"toolgate_requests_total{route="other",status="404"} 1"#,
                #"toolgate_backend_errors_total{model="qwen-tgi",kind="backend_http_error"} 1"#,
                #"toolgate_tool_calls_total{family="hermes"} 3"#,
                #"toolgate_request_duration_seconds_count{route="/v1/chat/completions"} 4"#,
                "toolgate_call_table_entries 3",
                "toolgate_open_streams 0",
                "# TYPE toolgate_open_connections gauge",
                "# TYPE toolgate_call_table_bytes gauge",
            ] {
                #expect(exposition.split(separator: "\n").contains { $0 == line }, "missing \(line)")
            }
            // Every sample line is `name{labels} value` with a number.
            for line in exposition.split(separator: "\n") where !line.hasPrefix("#") {
                #expect(line.split(separator: " ").last.flatMap { Double($0) } != nil, "\(line)")
            }
        }
    }
}
