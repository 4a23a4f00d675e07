import Gateway
import JSON
import Testing

/// Requests the gateway refuses, each with its status and OpenAI error envelope; the backend is never asked.
@Suite("Client errors")
struct ClientErrorTests {
    struct BadRequest: Sendable, CustomTestStringConvertible {
        var name: String
        var body: String
        var status = 400
        var code: String?
        var param: String?
        var testDescription: String { name }
    }

    /// A valid request body with `fields` (`, "key": value`) added.
    static func valid(_ fields: String = "") -> String {
        #"{"model": "qwen-llamacpp", "messages": [{"role": "user", "content": "hi"}]"# + fields + "}"
    }

    static let oneTool = #", "tools": [{"type": "function", "function": {"name": "f"}}]"#

    static let badRequests = [
        BadRequest(name: "not JSON", body: "{\"model\": \"qwen-llamacpp\", \"messages\": [", code: "invalid_json"),
        BadRequest(name: "an empty body", body: ""),
        BadRequest(name: "a JSON array", body: "[1, 2]"),
        BadRequest(name: "messages as a string", body: #"{"model": "qwen-llamacpp", "messages": "hi"}"#,
                   code: "invalid_type", param: "messages"),
        BadRequest(name: "a string as temperature", body: valid(#", "temperature": "hot""#),
                   code: "invalid_type", param: "temperature"),
        BadRequest(name: "stream as a string", body: valid(#", "stream": "yes""#), code: "invalid_type",
                   param: "stream"),
        BadRequest(name: "content as a number",
                   body: #"{"model": "qwen-llamacpp", "messages": [{"role": "user", "content": 42}]}"#,
                   code: "invalid_type", param: "messages[0].content"),
        BadRequest(name: "tool parameters as a string",
                   body: valid(#", "tools": [{"type": "function", "function": {"name": "f", "parameters": "none"}}]"#),
                   code: "invalid_type", param: "tools[0].function.parameters"),
        BadRequest(name: "no model", body: #"{"messages": [{"role": "user", "content": "hi"}]}"#,
                   code: "missing_required_parameter", param: "model"),
        BadRequest(name: "an unknown role",
                   body: #"{"model": "qwen-llamacpp", "messages": [{"role": "robot", "content": "hi"}]}"#,
                   code: "invalid_value", param: "messages[0].role"),
        BadRequest(name: "tool_choice naming no tool",
                   body: valid(oneTool + #", "tool_choice": {"type": "function", "function": {"name": "g"}}"#),
                   code: "invalid_value", param: "tool_choice.function.name"),
        BadRequest(name: "two choices", body: valid(#", "n": 2"#), code: "invalid_value", param: "n"),
        BadRequest(name: "max_tokens of zero", body: valid(#", "max_tokens": 0"#), code: "invalid_value",
                   param: "max_tokens"),
        BadRequest(name: "an empty message list", body: #"{"model": "qwen-llamacpp", "messages": []}"#,
                   code: "invalid_value", param: "messages"),
        BadRequest(name: "a tool message without tool_call_id",
                   body: #"{"model": "qwen-llamacpp", "messages": [{"role": "tool", "content": "18"}]}"#,
                   code: "missing_required_parameter", param: "messages[0].tool_call_id"),
        BadRequest(name: "an unknown model",
                   body: #"{"model": "gpt-17", "messages": [{"role": "user", "content": "hi"}]}"#, status: 404,
                   code: "model_not_found", param: "model"),
    ]

    @Test("a bad request gets its status and an envelope naming the parameter", arguments: badRequests)
    func badRequest(_ bad: BadRequest) async throws {
        try await withGateway { gateway in
            let reply = try await gateway.send("POST", "/v1/chat/completions",
                                               headers: [("Content-Type", "application/json")],
                                               body: Array(bad.body.utf8))
            expectError(reply, status: bad.status, type: "invalid_request_error", code: bad.code, param: bad.param)
            #expect(gateway.completionRequests.isEmpty)
        }
    }

    @Test("a template that raises is a 400 template_error on messages")
    func templateRaises() async throws {
        try await withGateway { gateway in
            // vLLM's Mistral template requires user/assistant alternation.
            let messages: [JSONValue] = [["role": "user", "content": "a"], ["role": "user", "content": "b"]]
            let reply = try await gateway.chat(Chat.request(model: "mistral", messages: messages))
            let message = expectError(reply, status: 400, type: "invalid_request_error", code: "template_error",
                                      param: "messages")
            #expect(message.contains("alternate"), "\(message)")
            #expect(gateway.completionRequests.isEmpty)
        }
    }

    @Test("an unknown path is a 404 and a wrong method a 405, in the envelope")
    func routing() async throws {
        try await withGateway { gateway in
            expectError(try await gateway.get("/v1/embeddings"), status: 404, type: "invalid_request_error",
                        code: "unknown_url")
            expectError(try await gateway.get("/v1/chat/completions"), status: 405, type: "invalid_request_error",
                        code: "method_not_allowed")
            expectError(try await gateway.send("DELETE", "/v1/models"), status: 405, type: "invalid_request_error",
                        code: "method_not_allowed")
            expectError(try await gateway.get("/v1/models/gpt-17"), status: 404, type: "invalid_request_error",
                        code: "model_not_found", param: "model")
        }
    }

    @Test("a body over max_body_bytes is a 413 in the envelope, and a body under it passes")
    func bodyTooLarge() async throws {
        try await withGateway(configure: { configuration, _ in configuration.maxBodyBytes = 4096 }) { gateway in
            let port = gateway.port
            // Announced by Content-Length: the server answers before the body is sent.
            let reply = try await offPool {
                let client = try HTTPTestClient(port: port)
                try client.send(Array(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                       + "Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n").utf8))
                let head = try client.readHead()
                return HTTPReply(head: head, body: try client.readBody(after: head))
            }
            let message = expectError(reply, status: 413, type: "invalid_request_error", code: "request_too_large")
            #expect(message.contains("4096"), "\(message)")

            let padding = String(repeating: "x", count: 3000)
            let small = Chat.request(model: "qwen-llamacpp", messages: [["role": "user", "content": .string(padding)]],
                                     tools: nil)
            #expect(try await gateway.chat(small).status == 200)
        }
    }

    @Test("with API keys configured, a missing or wrong key is a 401 and the right one passes")
    func apiKeys() async throws {
        try await withGateway(configure: { configuration, _ in
            configuration.apiKeys = ["sk-first", "sk-second-key"]
        }) { gateway in
            let request = Chat.request(model: "qwen-llamacpp", tools: nil)
            let refused: [[(String, String)]] = [
                [], [("Authorization", "Bearer sk-wrong")], [("Authorization", "Bearer sk-firs")],
                [("Authorization", "Bearer sk-first2")], [("Authorization", "sk-first")],
                [("Authorization", "Bearer ")],
                [("Authorization", "Basic c2stZmlyc3Q6")],
            ]
            for headers in refused {
                let reply = try await gateway.chat(request, headers: headers)
                expectError(reply, status: 401, type: "invalid_request_error", code: "invalid_api_key")
                expectError(try await gateway.get("/v1/models", headers: headers), status: 401,
                            type: "invalid_request_error", code: "invalid_api_key")
            }
            #expect(gateway.completionRequests.isEmpty)
            let accepted = ["Bearer sk-first", "Bearer sk-second-key", "bearer sk-first"]
            for key in accepted {
                #expect(try await gateway.chat(request, headers: [("Authorization", key)]).status == 200, "\(key)")
            }
            // The gateway's answers are APIKeys' verdicts.
            let keys = APIKeys(["sk-first", "sk-second-key"])
            #expect(refused.allSatisfy { !keys.authorizes(authorizationHeader: $0.first?.1) })
            #expect(accepted.allSatisfy { keys.authorizes(authorizationHeader: $0) })
            #expect(try await gateway.get("/v1/models", headers: [("Authorization", "Bearer sk-first")]).status == 200)
            // Probes need no key.
            #expect(try await gateway.get("/health").status == 200)
            #expect(try await gateway.get("/metrics").status == 200)
        }
    }
}
