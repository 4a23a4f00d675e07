/// What a handler answers: a status, header fields and a body that is either whole or streamed.
///
/// The server owns message framing: `Content-Length` and `Transfer-Encoding` fields set here are ignored
/// (a `.bytes` body gets a `Content-Length`, a `.stream` body is sent chunked). `Connection: close` is honoured.
public struct HTTPResponse: Sendable {
    public enum Body: Sendable {
        /// The whole body at once.
        case bytes([UInt8])
        /// A body produced over time (Server-Sent Events, for one). The server calls the closure exactly once,
        /// after the status and headers are queued, and ends the response (last chunk) when it returns. Each
        /// `write` goes to the client as soon as the socket takes it, with no added delay. If the client left
        /// before the handler returned, the closure still runs, already cancelled, so it can release what it
        /// holds. See `ResponseStreamWriter` for cancellation.
        case stream(@Sendable (ResponseStreamWriter) async -> Void)
    }

    public var status: Int
    public var headers: HTTPHeaders
    public var body: Body

    public init(status: Int = 200, headers: HTTPHeaders = [:], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
