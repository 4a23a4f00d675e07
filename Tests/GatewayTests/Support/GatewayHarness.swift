import FakeBackend
import Foundation
import Gateway
import HTTPServer
import JSON
import Testing

/// A gateway serving on an ephemeral loopback port, wired as `toolgate serve` wires it, in front of an in-process
/// fake backend that speaks every dialect.
///
/// The default models point at the fake: `qwen-llamacpp`, `qwen-openai`, `qwen-tgi`, `qwen-ollama` (Qwen 2.5's
/// template, hermes parser), `mistral` (llama.cpp) and `llama3` (OpenAI-style).
final class GatewayHarness: Sendable {
    let fake: FakeBackend
    let gateway: Gateway
    let server: HTTPServer
    let configuration: GatewayConfiguration

    var port: Int { server.port }

    init(fake: FakeBackend, configuration: GatewayConfiguration) async throws {
        self.fake = fake
        self.configuration = configuration
        let transport = try #require(Fixtures.transport, "libcurl's multi handle could not be created")
        gateway = try await Gateway.make(configuration: configuration, registry: Fixtures.registry,
                                         transport: transport, logger: Fixtures.logger)
        // As Serve.run does.
        var serverConfiguration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, logger: Fixtures.logger)
        serverConfiguration.maxRequestBodyBytes = configuration.maxBodyBytes
        serverConfiguration.errorResponse = gateway.failureResponse
        serverConfiguration.startsHandlersOnPollingThread = true
        server = HTTPServer(configuration: serverConfiguration, handler: gateway.handle)
        try server.start()
        gateway.observe(server)
    }

    /// The default configuration: every default model pointing at `url`.
    static func defaultConfiguration(url: String) -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        configuration.listenPort = 0
        configuration.models = Fixtures.dialects.map { Fixtures.qwenProfile($0, url: url) }
            + [Fixtures.mistralProfile(url: url), Fixtures.llamaProfile(url: url)]
        return configuration
    }

    /// The profile of a configured model.
    func profile(_ name: String) throws -> ModelProfile {
        try #require(configuration.models.first { $0.name == name }, "no model \(name)")
    }

    // MARK: Requests

    /// Sends one request on a new connection and reads the whole response (a chunked body to its last chunk).
    func send(_ method: String, _ path: String, headers: [(String, String)] = [], body: [UInt8] = []) async throws
        -> HTTPReply
    {
        let port = self.port
        return try await offPool {
            let client = try HTTPTestClient(port: port)
            defer { client.close() }
            try client.sendRequest(method, path, headers: headers + [("Connection", "close")], body: body)
            let head = try client.readHead()
            return HTTPReply(head: head, body: try client.readBody(after: head, method: method))
        }
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPReply {
        try await send("GET", path, headers: headers)
    }

    /// `POST /v1/chat/completions` with a JSON body.
    func chat(_ request: JSONValue, headers: [(String, String)] = []) async throws -> HTTPReply {
        try await send("POST", "/v1/chat/completions", headers: headers + [("Content-Type", "application/json")],
                       body: Array(request.serialized().utf8))
    }

    /// The completion requests the fake backend received (probes left out).
    var completionRequests: [FakeRequest] {
        fake.requests.filter { $0.method == "POST" }
    }

    /// Waits until the server has nothing open: no connection, request or stream left behind.
    func isQuiet(within timeout: Duration = .seconds(5)) async -> Bool {
        await eventually(within: timeout) { server.stats == HTTPServer.Stats() }
    }

    func shutdown() async {
        await server.shutdown(gracePeriod: .seconds(1))
        fake.stop()
    }
}

/// Runs `body` against a fresh gateway and fake backend; `configure` may change the default configuration (the fake
/// is passed for its URL). Afterwards the server must have let go of every connection, request and stream.
func withGateway(
    fake: FakeBackend? = nil,
    configure: (inout GatewayConfiguration, FakeBackend) throws -> Void = { _, _ in },
    _ body: (GatewayHarness) async throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
) async throws {
    let fake = try fake ?? FakeBackend()
    var configuration = GatewayHarness.defaultConfiguration(url: fake.baseURL)
    try configure(&configuration, fake)
    let harness: GatewayHarness
    do {
        harness = try await GatewayHarness(fake: fake, configuration: configuration)
    } catch {
        fake.stop()
        throw error
    }
    do {
        try await body(harness)
    } catch {
        await harness.shutdown()
        throw error
    }
    let quiet = await harness.isQuiet()
    #expect(quiet, "left behind: \(harness.server.stats)", sourceLocation: sourceLocation)
    await harness.shutdown()
}

/// Polls `condition` until it holds or `timeout` passes; true when it held.
func eventually(within timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return true
}

/// One HTTP response as the client received it.
struct HTTPReply: Sendable {
    var head: HTTPTestClient.Head
    var body: [UInt8]

    var status: Int { head.status }
    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSONValue? { try? JSONParser().parse(body) }

    func header(_ name: String) -> String? { head.header(name) }
}
