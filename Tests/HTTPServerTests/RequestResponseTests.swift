import HTTPServer
import Testing

@Suite("HTTP server: requests and whole responses")
struct RequestResponseTests {
    @Test("hands the handler the method, target, headers, body and peer, and sends its response back",
          arguments: [false, true])
    func fullResponse(inline: Bool) async throws {
        try await withServer(inline: inline, handler: { request in
            let summary = [
                request.method, request.version, String(request.path), String(request.query ?? "-"),
                request.headers["content-type"] ?? "-", String(decoding: request.body, as: UTF8.self),
                request.remoteAddress.hasPrefix("127.0.0.1:") ? "loopback" : request.remoteAddress,
            ].joined(separator: "|")
            return HTTPResponse(status: 201, headers: ["X-Reply": "yes", "Content-Type": "text/plain"],
                                body: .bytes(Array(summary.utf8)))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("POST", "/v1/echo?a=1&b=%20", headers: [("Content-Type", "application/json")],
                               body: Array(#"{"x": 1}"#.utf8))
            let response = try await client.readResponse()
            #expect(response.status == 201)
            #expect(response.headers["x-reply"] == "yes")
            #expect(response.headers["Content-Length"] == "\(response.body.count)")
            #expect(response.text == #"POST|HTTP/1.1|/v1/echo|a=1&b=%20|application/json|{"x": 1}|loopback"#)
        }
    }

    @Test("looks request header fields up by name in any case, keeping repeats in order")
    func caseInsensitiveHeaders() async throws {
        try await withServer(handler: { request in
            let values = [
                request.headers["x-custom-thing"] ?? "-", request.headers["X-CUSTOM-THING"] ?? "-",
                request.headers.values(for: "x-repeated").joined(separator: ","),
                request.headers.contains(name: "HOST") ? "host" : "-",
            ]
            return .text(values.joined(separator: "|"))
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/", headers: [("X-Custom-Thing", "42"), ("x-repeated", "a"),
                                                     ("X-Repeated", "b")])
            #expect(try await client.readResponse().text == "42|42|a,b|host")
        }
    }

    @Test("HTTPHeaders: subscript set replaces every field of that name, any case")
    func headersValueSemantics() {
        var headers: HTTPHeaders = ["Accept": "a", "accept": "b", "Other": "c"]
        #expect(headers.values(for: "ACCEPT") == ["a", "b"])
        headers["ACCEPT"] = "z"
        #expect(headers.map(\.name) == ["Other", "ACCEPT"])
        headers["other"] = nil
        #expect(headers.count == 1 && headers["accept"] == "z")
    }

    @Test("HTTPRequest splits the raw target into path and query without decoding",
          arguments: [("/v1/models", "/v1/models", nil), ("/a?b=c?d", "/a", "b=c?d"), ("/x?", "/x", ""),
                      ("/%2F?q=%20", "/%2F", "q=%20")])
    func pathAndQuery(target: String, path: String, query: String?) {
        let request = HTTPRequest(method: "GET", target: target)
        #expect(request.path == path)
        #expect(request.query.map(String.init) == query)
    }

    @Test("leaves unknown routes to the handler, which answers 404 itself")
    func unknownRouteIsTheHandlersBusiness() async throws {
        try await withServer(handler: { request in
            request.path == "/health" ? .text("ok") : .text("no route \(request.path)", status: 404)
        }) { server in
            let client = try TestClient(port: server.port)
            try client.request("GET", "/nope")
            let missing = try await client.readResponse()
            #expect(missing.status == 404 && missing.text == "no route /nope")
            try client.request("GET", "/health")
            #expect(try await client.readResponse().status == 200)
        }
    }

    @Test("keeps one connection alive across requests, without Connection: close", arguments: [false, true])
    func keepAlive(inline: Bool) async throws {
        try await withServer(inline: inline, handler: { request in .text("served \(request.path)") }) { server in
            let client = try TestClient(port: server.port)
            for index in 0..<3 {
                try client.request("GET", "/\(index)")
                let response = try await client.readResponse()
                #expect(response.text == "served /\(index)")
                #expect(response.headers["Connection"]?.lowercased() != "close")
            }
            #expect(server.stats.openConnections == 1)
        }
    }

    @Test("refuses a body announced larger than the limit with the error hook's 413, before reading it")
    func bodyTooLargeByContentLength() async throws {
        let called = Flag()
        try await withServer(configure: { configuration in
            configuration.maxRequestBodyBytes = 1024
            configuration.errorResponse = { failure in
                HTTPResponse(status: failure.status, headers: ["Content-Type": "application/json"],
                             body: .bytes(Array(#"{"error": {"code": \#(failure.status)}}"#.utf8)))
            }
        }, handler: { _ in
            called.raise()
            return .text("handled")
        }) { server in
            let client = try TestClient(port: server.port)
            try client.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.text == #"{"error": {"code": 413}}"#)
            #expect(response.headers["content-type"] == "application/json")

            let exact = try TestClient(port: server.port)
            try exact.request("POST", "/", body: [UInt8](repeating: 65, count: 1024))
            #expect(try await exact.readResponse().text == "handled")
        }
        #expect(called.isRaised)
    }

    @Test("answers 413 for a chunked body that grows past the limit, keeping the connection usable",
          arguments: [false, true])
    func bodyTooLargeChunked(inline: Bool) async throws {
        try await withServer(inline: inline, configure: { $0.maxRequestBodyBytes = 100 }, handler: { request in
            .text("got \(request.body.count)")
        }) { server in
            let client = try TestClient(port: server.port)
            let chunk = String(repeating: "x", count: 80)
            try client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "50\r\n\(chunk)\r\n50\r\n\(chunk)\r\n0\r\n\r\n")
            let response = try await client.readResponse()
            #expect(response.status == 413)
            #expect(response.text == "request body is larger than 100 bytes\n")
            try client.send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "50\r\n\(chunk)\r\n0\r\n\r\n")
            #expect(try await client.readResponse().text == "got 80")
        }
    }

    @Test("a handler that waits does not hold up other connections, even with one polling thread",
          arguments: [false, true])
    func handlersRunOffThePollingThread(inline: Bool) async throws {
        let release = Flag()
        try await withServer(inline: inline, configure: { $0.threadCount = 1 }, handler: { request in
            if request.path == "/slow" { _ = await release.wait() }
            return .text("done \(request.path)")
        }) { server in
            let slow = try TestClient(port: server.port)
            try slow.request("GET", "/slow")
            let fast = try TestClient(port: server.port)
            try fast.request("GET", "/fast")
            #expect(try await fast.readResponse().text == "done /fast")
            release.raise()
            #expect(try await slow.readResponse().text == "done /slow")
        }
    }

    @Test("sends no body for HEAD and keeps the handler's headers")
    func headRequest() async throws {
        try await withServer(handler: { _ in .text("a body that must not be sent") }) { server in
            let client = try TestClient(port: server.port)
            try client.request("HEAD", "/")
            let response = try await client.readResponse(method: "HEAD")
            #expect(response.status == 200)
            try client.request("GET", "/")
            #expect(try await client.readResponse().text == "a body that must not be sent")
        }
    }
}
