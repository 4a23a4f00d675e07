/// One complete HTTP request: head and body, the body buffered whole (up to
/// `HTTPServer.Configuration.maxRequestBodyBytes`).
public struct HTTPRequest: Sendable {
    /// Unique per server, increasing in arrival order; handy as log metadata.
    public var id: UInt64
    /// The method token as sent (`GET`, `POST`, ...).
    public var method: String
    /// The request target exactly as sent, e.g. `/v1/models?limit=2` (not percent-decoded).
    public var target: String
    /// `HTTP/1.1` or `HTTP/1.0`.
    public var version: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// The peer as `address:port` (`[address]:port` for IPv6).
    public var remoteAddress: String

    public init(id: UInt64 = 0, method: String, target: String, version: String = "HTTP/1.1",
                headers: HTTPHeaders = [:], body: [UInt8] = [], remoteAddress: String = "") {
        self.id = id
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The target up to `?`, not percent-decoded: what to route on.
    public var path: Substring {
        target[..<(target.firstIndex(of: "?") ?? target.endIndex)]
    }

    /// The text after `?`, not percent-decoded; `nil` when the target has no `?`.
    public var query: Substring? {
        target.firstIndex(of: "?").map { target[target.index(after: $0)...] }
    }
}
