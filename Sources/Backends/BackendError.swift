/// Why a completion failed. Every case knows the HTTP status the gateway answers with (``httpStatus``:
/// 502 when the backend failed, 504 when it timed out) and a stable machine-readable ``code``; the
/// ``description`` is the message for the client.
public enum BackendError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No connection could be made: refused, unresolvable host, unreachable network.
    case connectFailed(url: String, detail: String)
    /// A deadline passed (see ``TimeoutPhase``); `after` is the configured limit.
    case timedOut(phase: TimeoutPhase, after: Duration)
    /// The backend answered with a non-2xx status; `body` is the start of its response body.
    case httpStatus(code: Int, body: String)
    /// The response could not be understood: `what` says what was wrong, `excerpt` shows the bytes.
    case invalidResponse(what: String, excerpt: String)
    /// The connection closed or reset before the response was complete (`received` bytes of body so far).
    case connectionReset(received: Int, detail: String)
    /// The backend reported an error inside a successful response (an `error` event mid-stream).
    case backendReported(message: String)
    /// The consumer stopped listening (the client went away); never sent to a client.
    case cancelled
    /// The replay backend has no capture for this prompt.
    case noCaptureForPrompt(loaded: Int, closestCommonPrefix: Int, promptLength: Int)
    /// A request that cannot be made at all (a bad URL, a dialect without this endpoint).
    case invalidConfiguration(String)
    /// Any other transport failure, with libcurl's code and message.
    case transport(code: Int, detail: String)

    /// The status the gateway answers with: 504 for timeouts, 499 for a cancelled request (nginx's
    /// "client closed request", for logs only), 502 for everything else.
    public var httpStatus: Int {
        switch self {
        case .timedOut: return 504
        case .cancelled: return 499
        default: return 502
        }
    }

    /// A stable short name for logs, metrics and the OpenAI error `code` field.
    public var code: String {
        switch self {
        case .connectFailed: return "backend_unreachable"
        case .timedOut(let phase, _): return "backend_timeout_\(phase)"
        case .httpStatus: return "backend_http_error"
        case .invalidResponse: return "backend_invalid_response"
        case .connectionReset: return "backend_connection_reset"
        case .backendReported: return "backend_error"
        case .cancelled: return "cancelled"
        case .noCaptureForPrompt: return "no_capture_for_prompt"
        case .invalidConfiguration: return "backend_misconfigured"
        case .transport: return "backend_transport_error"
        }
    }

    public var description: String {
        switch self {
        case .connectFailed(let url, let detail):
            return "could not connect to the backend at \(url): \(detail)"
        case .timedOut(let phase, let after):
            return "the backend timed out: \(phase.explanation) within \(after.millisecondsText)"
        case .httpStatus(let code, let body):
            return body.isEmpty ? "the backend answered HTTP \(code)" : "the backend answered HTTP \(code): \(body)"
        case .invalidResponse(let what, let excerpt):
            return excerpt.isEmpty
                ? "invalid response from the backend: \(what)"
                : "invalid response from the backend: \(what): \(excerpt)"
        case .connectionReset(let received, let detail):
            return received == 0
                ? "the backend closed the connection without a response: \(detail)"
                : "the backend closed the connection mid-response after \(received) bytes: \(detail)"
        case .backendReported(let message):
            return "the backend reported an error: \(message)"
        case .cancelled:
            return "the request was cancelled"
        case .noCaptureForPrompt(let loaded, let prefix, let length):
            return "no capture matches this prompt exactly (\(loaded) captures loaded; the closest shares its first "
                + "\(prefix) of \(length) characters)"
        case .invalidConfiguration(let message):
            return "backend misconfigured: \(message)"
        case .transport(let code, let detail):
            return "backend transport error (curl \(code)): \(detail)"
        }
    }
}

/// Which deadline passed.
public enum TimeoutPhase: String, Sendable, Equatable, CustomStringConvertible {
    /// No connection within the connect timeout.
    case connect
    /// Connected and sent, but no response byte within the first-byte timeout (prompt processing too slow).
    case firstByte
    /// The whole response took longer than the total timeout.
    case total
    /// The response started, then no byte arrived for the stall timeout.
    case stall

    public var description: String { rawValue }

    var explanation: String {
        switch self {
        case .connect: return "no connection"
        case .firstByte: return "no response byte"
        case .total: return "the response did not complete"
        case .stall: return "no byte mid-response"
        }
    }
}

extension Duration {
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    var millisecondsText: String { "\(milliseconds) ms" }
}
