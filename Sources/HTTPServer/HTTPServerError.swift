/// Why `HTTPServer.start()` failed. The description says what is wrong in words a user can act on.
public enum HTTPServerError: Error, Equatable, CustomStringConvertible {
    /// `host` is neither a numeric address nor a name that resolves.
    case invalidAddress(host: String, reason: String)
    /// Another socket is bound to `host:port`.
    case addressInUse(host: String, port: Int)
    /// A socket call failed for another reason (`operation` is `socket`, `bind`, `listen`, ...).
    case socketFailed(operation: String, host: String, port: Int, errno: Int32, reason: String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// libmicrohttpd refused to start (its log, at debug level, says why).
    case daemonFailedToStart
    /// `start()` was called twice, or after `shutdown`.
    case alreadyStarted

    public var description: String {
        switch self {
        case .invalidAddress(let host, let reason):
            "cannot listen on '\(host)': not a valid address (\(reason))"
        case .addressInUse(let host, let port):
            "cannot listen on \(host):\(port): the address is already in use (another process is listening there)"
        case .socketFailed(let operation, let host, let port, let code, let reason):
            "cannot listen on \(host):\(port): \(operation) failed: \(reason) (errno \(code))"
        case .invalidConfiguration(let message):
            "invalid HTTP server configuration: \(message)"
        case .daemonFailedToStart:
            "libmicrohttpd failed to start the server (see debug log)"
        case .alreadyStarted:
            "the HTTP server was already started"
        }
    }
}
