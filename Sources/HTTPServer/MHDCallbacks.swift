import CMicroHTTPD

// The C callbacks libmicrohttpd calls on its polling threads. Each one only recovers its Swift object from the
// context pointer (`Unmanaged`, BRIDGING pitfall 5) and forwards; none lives in main.swift (pitfall 6).
//
// Ownership: the daemon context is a +1 `ServerCore`, released after MHD_stop_daemon. Each request context is a
// +1 `Exchange`, taken in `beginRequest` and released in `endRequest`, which MHD calls exactly once for every
// request whose URI it logged. A streaming response holds one more +1 `Exchange`, released by MHD's free callback.

/// MHD_OPTION_URI_LOG_CALLBACK: the request line is parsed; the result becomes the request context.
func mhdBeginRequest(_ context: UnsafeMutableRawPointer?, _ uri: UnsafePointer<CChar>?,
                     _ connection: OpaquePointer?) -> UnsafeMutableRawPointer? {
    guard let context else { return nil }
    let core = Unmanaged<ServerCore>.fromOpaque(context).takeUnretainedValue()
    let exchange = core.makeExchange(target: uri.map { String(cString: $0) } ?? "", connection: connection)
    return Unmanaged.passRetained(exchange).toOpaque()
}

/// The access handler: called for the head, for each piece of body, and again after every resume.
func mhdAccess(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?, _ url: UnsafePointer<CChar>?,
               _ method: UnsafePointer<CChar>?, _ version: UnsafePointer<CChar>?,
               _ uploadData: UnsafePointer<CChar>?, _ uploadDataSize: UnsafeMutablePointer<Int>?,
               _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> MHD_Result {
    guard let context, let connection, let requestContext, let exchangePointer = requestContext.pointee else {
        return .NO
    }
    let core = Unmanaged<ServerCore>.fromOpaque(context).takeUnretainedValue()
    let exchange = Unmanaged<Exchange>.fromOpaque(exchangePointer).takeUnretainedValue()
    return core.access(exchange, connection: connection, method: method, version: version,
                       uploadData: uploadData, uploadDataSize: uploadDataSize)
}

/// MHD_OPTION_NOTIFY_COMPLETED: the request is over (sent, failed, timed out, or the daemon stopped).
func mhdEndRequest(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                   _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                   _ code: MHD_RequestTerminationCode) {
    guard let context, let requestContext, let exchangePointer = requestContext.pointee else { return }
    requestContext.pointee = nil
    let core = Unmanaged<ServerCore>.fromOpaque(context).takeUnretainedValue()
    let exchange = Unmanaged<Exchange>.fromOpaque(exchangePointer).takeRetainedValue()
    core.requestEnded(exchange, code: code)
}

/// MHD_OPTION_NOTIFY_CONNECTION: a TCP connection opened or closed.
func mhdConnectionEvent(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                        _ socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
                        _ code: MHD_ConnectionNotificationCode) {
    guard let context else { return }
    let core = Unmanaged<ServerCore>.fromOpaque(context).takeUnretainedValue()
    switch code {
    case .CONNECTION_NOTIFY_STARTED: core.connectionOpened()
    case .CONNECTION_NOTIFY_CLOSED: core.connectionClosed()
    default: break
    }
}

/// The content reader of a streaming response.
func mhdReadStream(_ context: UnsafeMutableRawPointer?, _ position: UInt64, _ buffer: UnsafeMutablePointer<CChar>?,
                   _ capacity: Int) -> Int {
    guard let context, let buffer else { return cmhd_content_reader_end_with_error }
    let exchange = Unmanaged<Exchange>.fromOpaque(context).takeUnretainedValue()
    return exchange.readStream(into: UnsafeMutableRawPointer(buffer), capacity: capacity)
}

/// Frees a streaming response's context: balances the retain taken when the response was created.
func mhdReleaseStream(_ context: UnsafeMutableRawPointer?) {
    guard let context else { return }
    Unmanaged<Exchange>.fromOpaque(context).release()
}

/// MHD_OPTION_EXTERNAL_LOGGER: libmicrohttpd's own messages, mostly about misbehaving clients.
func mhdLog(_ context: UnsafeMutableRawPointer?, _ format: UnsafePointer<CChar>?, _ arguments: CVaListPointer?) {
    guard let context, let format, let arguments else { return }
    let core = Unmanaged<ServerCore>.fromOpaque(context).takeUnretainedValue()
    guard core.logger.logLevel <= .debug else { return }
    var buffer = [CChar](repeating: 0, count: 512)
    let length = buffer.withUnsafeMutableBufferPointer {
        cmhd_format_message($0.baseAddress, $0.count, format, arguments)
    }
    let message = buffer.withUnsafeBufferPointer { characters in
        characters.withMemoryRebound(to: UInt8.self) { String(decoding: $0.prefix(length), as: UTF8.self) }
    }
    core.logger.debug("libmicrohttpd: \(message.trimmingTrailingNewlines())")
}

/// MHD_get_connection_values_n iterator: appends one request header field to an `HTTPHeaders`.
func mhdCollectHeader(_ context: UnsafeMutableRawPointer?, _ kind: MHD_ValueKind, _ name: UnsafePointer<CChar>?,
                      _ nameLength: Int, _ value: UnsafePointer<CChar>?, _ valueLength: Int) -> MHD_Result {
    guard let context, let name else { return .YES }
    let headers = context.assumingMemoryBound(to: HTTPHeaders.self)
    let nameText = String(decoding: UnsafeRawBufferPointer(start: name, count: nameLength), as: UTF8.self)
    let valueText = value.map {
        String(decoding: UnsafeRawBufferPointer(start: $0, count: valueLength), as: UTF8.self)
    } ?? ""
    headers.pointee.add(name: nameText, value: valueText)
    return .YES
}

private extension String {
    func trimmingTrailingNewlines() -> Substring {
        var end = endIndex
        while end > startIndex, self[index(before: end)].isNewline { end = index(before: end) }
        return self[..<end]
    }
}
