import CMicroHTTPD
import Logging

extension ServerCore {
    /// One access-handler call for `exchange`, on the connection's MHD thread.
    ///
    /// The first call brings the head, the next ones the body, the one with no data the end of the request: only
    /// then is the handler started (off this thread, with the connection suspended), and the response is queued on
    /// the call that follows the resume. Answering on the first call would make MHD drop keep-alive (pitfall 8).
    func access(_ exchange: Exchange, connection: OpaquePointer, method: UnsafePointer<CChar>?,
                version: UnsafePointer<CChar>?, uploadData: UnsafePointer<CChar>?,
                uploadDataSize: UnsafeMutablePointer<Int>?) -> MHD_Result {
        switch exchange.phase {
        case .awaitingHeaders:
            exchange.phase = .receivingBody
            exchange.method = method.map { String(cString: $0) } ?? ""
            exchange.version = version.map { String(cString: $0) } ?? ""
            withUnsafeMutablePointer(to: &exchange.headers) { headers in
                _ = MHD_get_connection_values_n(connection, .HEADER_KIND, mhdCollectHeader, headers)
            }
            exchange.remoteAddress = SocketAddress.describe(cmhd_connection_client_address(connection))
            guard cmhd_connection_header_size(connection) <= configuration.maxHeaderBytes else {
                return refuse(exchange, .headerFieldsTooLarge(limit: configuration.maxHeaderBytes),
                              connection: connection)
            }
            if let announced = exchange.headers["Content-Length"] {
                // MHD has validated the number; one too large for UInt64 was refused with 400 already.
                let length = UInt64(announced) ?? .max
                guard length <= UInt64(configuration.maxRequestBodyBytes) else {
                    // Refused before the body is read: MHD sends it and closes the connection.
                    return refuse(exchange, .requestBodyTooLarge(limit: configuration.maxRequestBodyBytes),
                                  connection: connection)
                }
                exchange.body.reserveCapacity(min(Int(length), 1 << 20))
            }
            return .YES

        case .receivingBody:
            if let uploadDataSize, uploadDataSize.pointee > 0 {
                let size = uploadDataSize.pointee
                uploadDataSize.pointee = 0
                let timeout = configuration.requestTimeout
                if timeout > .zero, ContinuousClock.now - exchange.arrival > timeout {
                    logger.debug("request body too slow; closing the connection",
                                 metadata: ["request_id": "\(exchange.id)"])
                    return .NO
                }
                return receive(exchange, UnsafeRawBufferPointer(start: uploadData, count: size))
            }
            if exchange.bodyTooLarge {
                return refuse(exchange, .requestBodyTooLarge(limit: configuration.maxRequestBodyBytes),
                              connection: connection)
            }
            if exchange.arrivedWhileDraining {
                return refuse(exchange, .shuttingDown, connection: connection)
            }
            return dispatch(exchange, connection: connection)

        case .dispatched:
            switch exchange.nextStepAfterResume(connection: connection) {
            case .respond(let response):
                exchange.phase = .answered
                return queue(response, for: exchange, connection: connection)
            case .refuse(let failure):
                exchange.phase = .answered
                return queue(configuration.errorResponse(failure), for: exchange, connection: connection)
            case .close:
                return .NO
            case .wait:
                return .YES
            }

        case .answered:
            return .YES
        }
    }

    /// Buffers a piece of body; past the limit keeps reading and discarding (so the 413 can be sent on a clean
    /// connection) up to the limit again, then gives up on the connection.
    private func receive(_ exchange: Exchange, _ bytes: UnsafeRawBufferPointer) -> MHD_Result {
        let limit = configuration.maxRequestBodyBytes
        if exchange.bodyTooLarge {
            exchange.discardedBodyBytes += bytes.count
            return exchange.discardedBodyBytes > 2 * limit ? .NO : .YES
        }
        guard exchange.body.count + bytes.count <= limit else {
            exchange.bodyTooLarge = true
            exchange.discardedBodyBytes = exchange.body.count + bytes.count
            exchange.body = []
            return .YES
        }
        exchange.body.append(contentsOf: bytes)
        return .YES
    }

    /// Starts the handler task, then queues its response if it already answered, or suspends the connection until
    /// it does. The socket is watched for a hang-up only while the handler may still be producing.
    private func dispatch(_ exchange: Exchange, connection: OpaquePointer) -> MHD_Result {
        exchange.phase = .dispatched
        guard exchange.beginHandler() else {
            return refuse(exchange, .shuttingDown, connection: connection)
        }
        let request = exchange.makeRequest()
        exchange.body = []
        let task = startTask { [self] in
            await run(exchange, request: request)
        }
        let outcome = exchange.afterHandlerStarted(connection: connection)
        var descriptor: Int32 = -1
        switch outcome {
        case .suspended, .respond(_, producing: true):
            descriptor = cmhd_connection_fd(connection)
            if descriptor >= 0 {
                watcher?.watch(descriptor: descriptor, id: exchange.id)
            }
        case .respond(_, producing: false), .refuse:
            break
        }
        exchange.attach(task: task, watching: descriptor)
        switch outcome {
        case .respond(let response, _):
            exchange.phase = .answered
            return queue(response, for: exchange, connection: connection)
        case .refuse(let failure):
            exchange.phase = .answered
            return queue(configuration.errorResponse(failure), for: exchange, connection: connection)
        case .suspended:
            return .YES
        }
    }

    /// The handler's task: on the concurrency pool, or first on this polling thread until it suspends.
    private func startTask(_ operation: @escaping @Sendable () async -> Void) -> Task<Void, Never> {
        if configuration.startsHandlersOnPollingThread, #available(macOS 26, *) {
            return Task.immediateDetached(operation: operation)
        }
        return Task.detached(operation: operation)
    }

    private func refuse(_ exchange: Exchange, _ failure: HTTPServerFailure,
                        connection: OpaquePointer) -> MHD_Result {
        exchange.phase = .answered
        exchange.markAnswered()
        return queue(configuration.errorResponse(failure), for: exchange, connection: connection)
    }

    /// MHD is done with the request: stop watching its socket, cancel a handler still producing, retire.
    func requestEnded(_ exchange: Exchange, code: MHD_RequestTerminationCode) {
        let clientAborted = code != .REQUEST_TERMINATED_COMPLETED_OK && code != .REQUEST_TERMINATED_DAEMON_SHUTDOWN
        let (descriptor, cancel) = exchange.completedByMHD(clientAborted: clientAborted)
        if descriptor >= 0 {
            watcher?.unwatch(descriptor: descriptor)
        }
        if cancel {
            exchange.fireCancellation()
        }
        retireIfDone(exchange)
    }

    /// Builds the MHD response and queues it. Framing headers are the server's business and are skipped.
    private func queue(_ response: HTTPResponse, for exchange: Exchange, connection: OpaquePointer) -> MHD_Result {
        guard (100...999).contains(response.status) else {
            logger.error("handler answered an invalid HTTP status; closing the connection",
                         metadata: ["status": "\(response.status)", "request_id": "\(exchange.id)"])
            return .NO
        }
        let created: OpaquePointer?
        switch response.body {
        case .bytes(let bytes):
            created = bytes.withUnsafeBytes {
                MHD_create_response_from_buffer($0.count, UnsafeMutableRawPointer(mutating: $0.baseAddress),
                                                .RESPMEM_MUST_COPY)
            }
        case .stream:
            let context = Unmanaged.passRetained(exchange).toOpaque()
            created = MHD_create_response_from_callback(cmhd_size_unknown, 4096, mhdReadStream, context,
                                                        mhdReleaseStream)
            if created == nil {
                Unmanaged<Exchange>.fromOpaque(context).release()
            }
        }
        guard let mhdResponse = created else { return .NO }
        defer { MHD_destroy_response(mhdResponse) }
        for field in response.headers where !Self.isFramingHeader(field.name) {
            if MHD_add_response_header(mhdResponse, field.name, field.value) == .NO {
                logger.debug("libmicrohttpd refused a response header field",
                             metadata: ["name": "\(field.name)", "request_id": "\(exchange.id)"])
            }
        }
        if isDraining, !response.headers.contains(name: "Connection") {
            _ = MHD_add_response_header(mhdResponse, "Connection", "close")
        }
        return MHD_queue_response(connection, UInt32(response.status), mhdResponse)
    }

    private static func isFramingHeader(_ name: String) -> Bool {
        HTTPHeaders.namesEqual(name, "Content-Length") || HTTPHeaders.namesEqual(name, "Transfer-Encoding")
    }
}
