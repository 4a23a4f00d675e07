public import JSON
public import Logging

/// A raw-completion backend: where prompts go and raw text comes back. Made from a dialect name and a
/// URL (`llamacpp`, `openai`, `tgi`, `ollama` with the server's base URL; `replay` with a capture file).
///
/// ```swift
/// let backend = try Backend(dialect: "llamacpp", url: "http://127.0.0.1:8080", transport: transport, logger: logger)
/// for try await event in backend.complete(CompletionRequest(prompt: prompt, maxTokens: 512, stream: true)) {
///     switch event {
///     case .text(let piece): parser.feed(piece)
///     case .finished(let reason, let usage): …
///     }
/// }
/// ```
/// Failures throw ``BackendError`` out of the stream (``BackendError/httpStatus`` tells 502 from 504).
public struct Backend: Sendable {
    /// The dialect names ``init(dialect:url:apiKey:timeouts:transport:logger:)`` accepts.
    public static let dialectNames = ["llamacpp", "openai", "tgi", "ollama", "replay"]

    private enum Engine: Sendable {
        case http(dialect: any BackendDialect, transport: CurlTransport, baseURL: String, headers: [String])
        case replay(ReplayBackend)
    }

    private let engine: Engine
    /// Deadlines for completions (``BackendTimeouts/probe`` is used for `health()` and `props()`).
    public var timeouts: BackendTimeouts

    /// The dialect's name (`llamacpp`, …, `replay`).
    public var dialectName: String {
        switch engine {
        case .http(let dialect, _, _, _): return dialect.name
        case .replay: return "replay"
        }
    }

    /// A backend by dialect name. For HTTP dialects `url` is the server's base URL (a trailing `/` is
    /// dropped) and `apiKey`, when given, is sent as `Authorization: Bearer …`; for `replay` it is the
    /// path of a capture file, loaded now. Throws ``BackendError/invalidConfiguration(_:)`` for an unknown
    /// dialect or a URL that is not http(s).
    public init(
        dialect: String, url: String, apiKey: String? = nil, timeouts: BackendTimeouts = BackendTimeouts(),
        transport: CurlTransport, logger: Logger
    ) throws(BackendError) {
        let httpDialect: any BackendDialect
        switch dialect {
        case "llamacpp": httpDialect = LlamaCppDialect()
        case "openai": httpDialect = OpenAICompletionsDialect()
        case "tgi": httpDialect = TGIDialect()
        case "ollama": httpDialect = OllamaDialect()
        case "replay":
            self.init(replay: try ReplayBackend(path: url, logger: logger), timeouts: timeouts)
            return
        default:
            throw .invalidConfiguration(
                "unknown dialect '\(dialect)' (known: \(Self.dialectNames.joined(separator: ", ")))")
        }
        try self.init(dialect: httpDialect, url: url, apiKey: apiKey, timeouts: timeouts, transport: transport)
    }

    /// A backend speaking `dialect` (any ``BackendDialect``, including your own) at `url`.
    public init(
        dialect: any BackendDialect, url: String, apiKey: String? = nil,
        timeouts: BackendTimeouts = BackendTimeouts(), transport: CurlTransport
    ) throws(BackendError) {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw .invalidConfiguration("backend URL must start with http:// or https://: \(url)")
        }
        var baseURL = url
        while baseURL.hasSuffix("/") { baseURL.removeLast() }
        let headers = apiKey.map { ["Authorization: Bearer \($0)"] } ?? []
        engine = .http(dialect: dialect, transport: transport, baseURL: baseURL, headers: headers)
        self.timeouts = timeouts
    }

    /// A backend answering from captures, in-process.
    public init(replay: ReplayBackend, timeouts: BackendTimeouts = BackendTimeouts()) {
        engine = .replay(replay)
        self.timeouts = timeouts
    }

    /// Runs one completion. The stream yields `.text` pieces as the backend produces them (one piece
    /// when `request.stream` is false), then one `.finished`, or throws a ``BackendError``.
    /// Cancelling the consuming task (or dropping the stream) aborts the request.
    public func complete(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionEvent, any Error> {
        start(request).events
    }

    /// Starts one completion, as ``complete(_:)``, with a handle that aborts it from any thread.
    public func start(_ request: CompletionRequest) -> CompletionCall {
        switch engine {
        case .http(let dialect, let transport, let baseURL, let headers):
            let httpRequest: BackendHTTPRequest
            do {
                httpRequest = try dialect.httpRequest(for: request)
            } catch {
                return .failed(error)
            }
            return transport.start(
                httpRequest, baseURL: baseURL, headers: headers,
                decoder: dialect.makeDecoder(for: request), streaming: request.stream,
                timeouts: timeouts)
        case .replay(let replay):
            return replay.start(request)
        }
    }

    /// Runs one completion to the end and returns the whole text with the final event's reason and usage.
    public func completeWhole(
        _ request: CompletionRequest
    ) async throws -> (text: String, finish: FinishReason, usage: Usage?) {
        var text = ""
        for try await event in complete(request) {
            switch event {
            case .text(let piece): text += piece
            case .finished(let reason, let usage): return (text, reason, usage)
            }
        }
        throw BackendError.invalidResponse(what: "no final event", excerpt: "")
    }

    /// Nil when the backend answers its health endpoint with 2xx within ``BackendTimeouts/probe``, else
    /// why not (llama.cpp answers 503 while it loads the model).
    public func health() async -> BackendError? {
        switch engine {
        case .http(let dialect, let transport, let baseURL, let headers):
            do {
                _ = try await transport.fetch(
                    BackendHTTPRequest(method: .get, path: dialect.healthPath),
                    baseURL: baseURL, headers: headers, timeouts: .probe)
                return nil
            } catch {
                return error
            }
        case .replay:
            return nil
        }
    }

    /// The backend's description of the served model where the dialect has one (llama.cpp `GET /props`:
    /// `chat_template`, `bos_token`, `eos_token`, …; TGI `GET /info`), or nil when it has none.
    public func props() async throws(BackendError) -> JSONValue? {
        guard case .http(let dialect, let transport, let baseURL, let headers) = engine,
            let path = dialect.propsPath
        else { return nil }
        let body = try await transport.fetch(
            BackendHTTPRequest(method: .get, path: path, headers: ["Accept: application/json"]),
            baseURL: baseURL, headers: headers, timeouts: .probe)
        do {
            return try JSONParser().parse(body)
        } catch {
            throw .invalidResponse(what: "\(path) is not JSON (\(error))", excerpt: excerpt(body))
        }
    }
}
