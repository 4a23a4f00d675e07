import JSON

/// One backend wire protocol: how a ``CompletionRequest`` becomes an HTTP request, and how the response
/// body becomes ``CompletionEvent``s. Dialects hold no per-request state; the decoder they make does.
public protocol BackendDialect: Sendable {
    /// The name used on the command line (`llamacpp`, `openai`, `tgi`, `ollama`).
    var name: String { get }
    /// The HTTP request for one completion (path relative to the base URL); throws
    /// ``BackendError/invalidConfiguration(_:)`` for what the dialect cannot express.
    func httpRequest(for request: CompletionRequest) throws(BackendError) -> BackendHTTPRequest
    /// A fresh decoder for the response to `httpRequest(for: request)`.
    func makeDecoder(for request: CompletionRequest) -> any CompletionDecoder
    /// A cheap GET that answers 2xx only when the backend can serve completions.
    var healthPath: String { get }
    /// A GET that describes the served model (llama.cpp's `/props`: chat template, special tokens), if any.
    var propsPath: String? { get }
}

/// An HTTP request as a dialect describes it; the transport adds the base URL and the API key.
public struct BackendHTTPRequest: Sendable, Equatable {
    public enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    public var method: Method
    /// Starts with `/`; appended to the backend's base URL.
    public var path: String
    /// The JSON body (empty for GET).
    public var body: [UInt8]
    /// Extra header lines, `Name: value`.
    public var headers: [String]

    public init(method: Method, path: String, body: [UInt8] = [], headers: [String] = []) {
        self.method = method
        self.path = path
        self.body = body
        self.headers = headers
    }

    /// A POST of `body` as JSON, accepting SSE when `stream` (some proxies buffer otherwise).
    static func postJSON(
        _ path: String, _ body: JSONObject, stream: Bool, streamType: String = "text/event-stream"
    )
        -> BackendHTTPRequest
    {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        JSONValue.object(body).write(to: &bytes)
        return BackendHTTPRequest(
            method: .post, path: path, body: bytes,
            headers: [
                "Content-Type: application/json",
                "Accept: " + (stream ? streamType : "application/json"),
            ])
    }
}

/// Turns a response body into events, incrementally: bytes arrive in arbitrary splits (inside a UTF-8
/// sequence, inside a line) and come out right. Bad bytes throw ``BackendError/invalidResponse(what:excerpt:)``;
/// nothing here traps. Used by one transfer on one thread.
public protocol CompletionDecoder: AnyObject {
    /// Consumes the next bytes of a 2xx response body, emitting the events they complete.
    func consume(_ bytes: UnsafeRawBufferPointer, emit: (CompletionEvent) -> Void) throws(BackendError)
    /// The body ended cleanly: emits the rest and the final `.finished` if not yet emitted, or throws
    /// when the body stopped short of its end.
    func finish(emit: (CompletionEvent) -> Void) throws(BackendError)
}

extension JSONObject {
    /// Sets the request's extra fields, merging object-valued fields into the dialect's own.
    mutating func merge(extra: JSONObject) {
        for entry in extra {
            if case .object(let mine)? = self[entry.key], case .object(let theirs) = entry.value {
                var merged = mine
                for field in theirs { merged[field.key] = field.value }
                self[entry.key] = .object(merged)
            } else {
                self[entry.key] = entry.value
            }
        }
    }
}

extension CompletionRequest {
    var stopValue: JSONValue { .array(stop.map { .string($0) }) }
}
