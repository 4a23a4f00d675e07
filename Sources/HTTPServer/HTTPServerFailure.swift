/// A request the server answers itself, without calling the handler. `HTTPServer.Configuration.errorResponse`
/// turns each into the response sent, so the application can shape the body (an OpenAI error envelope, say).
///
/// Protocol errors that libmicrohttpd answers on its own (400 malformed request, 505 unknown HTTP version, and 431
/// or 414 for a head that overflows its memory pool) are not routed here.
public enum HTTPServerFailure: Sendable, Equatable {
    /// The body is longer than `maxRequestBodyBytes` (`limit`): 413.
    case requestBodyTooLarge(limit: Int)
    /// The request line and header fields together exceed `maxHeaderBytes` (`limit`): 431. (Far beyond it,
    /// libmicrohttpd's memory pool runs out first and it answers 431 itself.)
    case headerFieldsTooLarge(limit: Int)
    /// The request arrived after `shutdown` began, or its handler had not answered when the grace period ended: 503.
    case shuttingDown

    /// The status code the default response uses.
    public var status: Int {
        switch self {
        case .requestBodyTooLarge: 413
        case .headerFieldsTooLarge: 431
        case .shuttingDown: 503
        }
    }

    /// A short human-readable reason, used by the default response.
    public var message: String {
        switch self {
        case .requestBodyTooLarge(let limit): "request body is larger than \(limit) bytes"
        case .headerFieldsTooLarge(let limit): "request header fields are larger than \(limit) bytes"
        case .shuttingDown: "server is shutting down"
        }
    }

    /// The response used when the configuration sets none: `status` with `message` as plain text.
    public var defaultResponse: HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"],
                     body: .bytes(Array((message + "\n").utf8)))
    }
}
