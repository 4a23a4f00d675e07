import CCurl

extension CurlTransfer {
    /// The one place a curl result becomes a ``BackendError`` (nil for success).
    func error(for code: CURLcode) -> BackendError? {
        if let failure { return failure }
        let detail = curlErrorMessage.isEmpty ? String(cString: curl_easy_strerror(code)) : curlErrorMessage
        switch code {
        case CURLE_OK:
            return nil
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return .connectFailed(url: url, detail: detail)
        case CURLE_OPERATION_TIMEDOUT:
            // Only the connect timeout is curl's; the others are ours (expiredDeadline).
            return .timedOut(phase: .connect, after: timeouts.connect ?? .zero)
        case CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR, CURLE_PARTIAL_FILE:
            return .connectionReset(received: received, detail: detail)
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_WEIRD_SERVER_REPLY, CURLE_BAD_CONTENT_ENCODING:
            // A status line that is not HTTP ("Received HTTP/0.9 when not allowed") lands here.
            return .invalidResponse(what: "not an HTTP response", excerpt: detail)
        case CURLE_URL_MALFORMAT:
            return .invalidConfiguration("bad backend URL \(url): \(detail)")
        default:
            return .transport(code: Int(code.rawValue), detail: detail)
        }
    }
}
