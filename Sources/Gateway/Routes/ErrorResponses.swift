import Backends
import HTTPServer
import OpenAIAPI

extension OpenAIError {
    /// The error as an HTTP response with a JSON body.
    var response: HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: .bytes(body))
    }

    /// A backend failure in OpenAI's words: 504 for timeouts, 502 for everything else.
    init(backend error: BackendError) {
        if error.httpStatus == 504 {
            self = .gatewayTimeout("The model backend timed out: \(error)")
        } else {
            self = .badGateway("The model backend failed: \(error)", code: error.code)
        }
    }
}

extension HTTPResponse {
    static func json(_ status: Int = 200, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: .bytes(body))
    }

    /// Headers for a Server-Sent Events stream (no buffering by proxies).
    static let eventStreamHeaders: HTTPHeaders = [
        "Content-Type": "text/event-stream", "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
    ]
}
