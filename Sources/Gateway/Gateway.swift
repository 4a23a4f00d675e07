public import Backends
import CallTable
import Foundation
public import HTTPServer
import JSON
public import Logging
import OpenAIAPI
public import ToolParsing

/// The gateway: routes HTTP requests through the pipeline (validate → normalize → render → backend →
/// parse → respond → record). The only module that knows every other one; it holds no protocol logic
/// of its own beyond wiring.
public final class Gateway: Sendable {
    let runtimes: [String: ModelRuntime]
    /// Model names in the order configured (for `/v1/models`).
    let modelNames: [String]
    let callTable: any CallTableStore
    public let metrics: Metrics
    let capture: CaptureWriter?
    let apiKeys: APIKeys
    let logger: Logger
    let maxBodyBytes: Int
    let startedAt: Int
    let health: HealthProbe

    /// Builds every model's runtime (templates compiled, families resolved, backends reachable or not).
    /// Fails with a message that says what to fix: unknown parser, missing template, bad backend URL.
    public static func make(configuration: GatewayConfiguration, registry: FamilyRegistry, transport: CurlTransport,
                            logger: Logger) async throws(ConfigurationError) -> Gateway
    {
        guard !configuration.models.isEmpty else {
            throw ConfigurationError("no model is configured: give --backend/--dialect/--template/--parser, or a "
                                     + "--config file with a 'models' list")
        }
        var runtimes: [String: ModelRuntime] = [:]
        for profile in configuration.models {
            runtimes[profile.name] = try await ModelRuntime.make(profile, registry: registry, transport: transport,
                                                                 logger: logger)
        }
        let capture = try configuration.capturePath.map { (path) throws(ConfigurationError) in
            try CaptureWriter(path: path)
        }
        var keys = configuration.apiKeys
        keys += APIKeys.split(environmentValue: Environment.value("TOOLGATE_API_KEYS"))
        let table = MemoryCallTable(limits: .init(maxBytes: configuration.callTableMaxBytes,
                                                  timeToLive: configuration.callTableTimeToLive))
        return Gateway(runtimes: runtimes, modelNames: configuration.models.map(\.name), callTable: table,
                       capture: capture, apiKeys: APIKeys(keys), logger: logger,
                       maxBodyBytes: configuration.maxBodyBytes)
    }

    init(runtimes: [String: ModelRuntime], modelNames: [String], callTable: any CallTableStore,
         capture: CaptureWriter?, apiKeys: APIKeys, logger: Logger, maxBodyBytes: Int)
    {
        self.runtimes = runtimes
        self.modelNames = modelNames
        self.callTable = callTable
        self.metrics = Metrics()
        self.capture = capture
        self.apiKeys = apiKeys
        self.logger = logger
        self.maxBodyBytes = maxBodyBytes
        self.startedAt = Int(Date().timeIntervalSince1970)
        self.health = HealthProbe(backends: modelNames.compactMap { name in runtimes[name].map { (name, $0.backend) } })
        let table = callTable
        metrics.registerGauge("toolgate_call_table_entries", help: "Tool calls held in the call table.") {
            Double(table.statistics().calls)
        }
        metrics.registerGauge("toolgate_call_table_bytes", help: "Bytes the call table holds.") {
            Double(table.statistics().bytes)
        }
    }

    /// Adds the server's own gauges (open connections and streams) to `/metrics`.
    public func observe(_ server: HTTPServer) {
        metrics.registerGauge("toolgate_open_streams", help: "Streamed responses in progress.") {
            Double(server.stats.openStreams)
        }
        metrics.registerGauge("toolgate_open_connections", help: "Client connections open.") {
            Double(server.stats.openConnections)
        }
    }

    /// The response for a request the server refuses itself (413 body too large, 503 shutting down),
    /// in OpenAI's envelope.
    @Sendable public func failureResponse(_ failure: HTTPServerFailure) -> HTTPResponse {
        switch failure {
        case .requestBodyTooLarge(let limit):
            metrics.recordRequest(route: "other", status: 413, seconds: 0)
            return OpenAIError.bodyTooLarge(limit: limit).response
        case .headerFieldsTooLarge(let limit):
            metrics.recordRequest(route: "other", status: 431, seconds: 0)
            return OpenAIError(status: 431, message: "The request's header fields are larger than \(limit) bytes.",
                               type: "invalid_request_error", code: "headers_too_large").response
        case .shuttingDown:
            return OpenAIError(status: 503, message: "The gateway is shutting down; retry on another replica.",
                               type: "server_error", code: "shutting_down").response
        }
    }

    /// Handles one HTTP request.
    @Sendable public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let start = ContinuousClock.now
        let route = Route(method: request.method, path: request.path)
        let log = RequestLog(logger, requestID: request.id)
        if route.needsKey && !apiKeys.authorizes(authorizationHeader: request.headers["Authorization"]) {
            let response = OpenAIError.invalidAPIKey.response
            finished(route, response, start)
            return response
        }
        var response: HTTPResponse
        switch route {
        case .chatCompletions: response = await chatCompletions(request, log: log)
        case .completions: response = await completions(request, log: log)
        case .models: response = models()
        case .model(let name): response = model(String(name))
        case .health: response = await healthResponse()
        case .metrics:
            response = HTTPResponse(status: 200, headers: ["Content-Type": "text/plain; version=0.0.4"],
                                    body: .bytes(Array(metrics.exposition().utf8)))
        case .methodNotAllowed(let path):
            response = OpenAIError.methodNotAllowed(request.method, path: String(path)).response
        case .notFound(let path):
            response = OpenAIError.notFound(path: String(path)).response
        }
        // A stream's latency ends with its last byte: wrap the producer to record it then.
        if case .stream(let produce) = response.body {
            let metrics = self.metrics
            let label = route.label
            let status = response.status
            response.body = .stream { writer in
                await produce(writer)
                metrics.recordRequest(route: label, status: status, seconds: start.secondsSince)
            }
        } else {
            finished(route, response, start)
        }
        return response
    }

    private func finished(_ route: Route, _ response: HTTPResponse, _ start: ContinuousClock.Instant) {
        metrics.recordRequest(route: route.label, status: response.status, seconds: start.secondsSince)
    }
}

extension ContinuousClock.Instant {
    var secondsSince: Double {
        let elapsed = ContinuousClock.now - self
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
