import CMicroHTTPD
import Glibc
import Logging

/// An HTTP/1.1 server on libmicrohttpd that calls one async handler per request; it knows no routes and no API.
///
/// libmicrohttpd's polling threads (epoll, `threadCount` of them) own the sockets: keep-alive, parsing, limits,
/// timeouts. A complete request is handed to `handler` on a Swift task while its connection is suspended, so a
/// slow handler never blocks a polling thread and an idle connection costs no thread. A client that disconnects
/// while its handler runs cancels the handler's task (and a stream's `ResponseStreamWriter`) promptly.
///
/// ```swift
/// let signals = ShutdownSignals()
/// let server = HTTPServer(configuration: .init(port: 8080, logger: logger)) { request in
///     switch (request.method, request.path) {
///     case ("GET", "/health"):
///         return HTTPResponse(headers: ["Content-Type": "text/plain"], body: .bytes(Array("ok\n".utf8)))
///     case ("POST", "/v1/stream"):
///         return HTTPResponse(headers: ["Content-Type": "text/event-stream"], body: .stream { writer in
///             writer.onCancel { backendTransfer.abort() }       // the client went away
///             for await event in backendEvents {
///                 guard writer.write(event) else { break }      // false: nobody will read it
///             }
///         })                                                    // returning ends the chunked body
///     default:
///         return HTTPResponse(status: 404)
///     }
/// }
/// try server.start()
/// _ = await signals.next()
/// await server.shutdown(gracePeriod: .seconds(10))
/// ```
///
/// Call `shutdown` before letting go of the server: until then its polling threads keep it alive.
public final class HTTPServer: @unchecked Sendable {
    /// Answers one complete request (body included). Runs on the Swift concurrency pool, never on a polling
    /// thread; its task is cancelled when the client disconnects before the response is sent, or when the
    /// shutdown grace period ends.
    public typealias Handler = @Sendable (HTTPRequest) async -> HTTPResponse

    /// Gauges for `/metrics`.
    public struct Stats: Sendable, Equatable {
        /// TCP connections open now, idle keep-alive ones included.
        public var openConnections: Int
        /// Requests whose head has arrived and that are not finished: reading the body, in the handler, or
        /// sending the response.
        public var activeRequests: Int
        /// Streaming responses not finished (their closure still runs, or their bytes are still being sent).
        public var openStreams: Int

        public init(openConnections: Int = 0, activeRequests: Int = 0, openStreams: Int = 0) {
            self.openConnections = openConnections
            self.activeRequests = activeRequests
            self.openStreams = openStreams
        }
    }

    private enum State {
        case idle
        case running(daemon: OpaquePointer, context: UnsafeMutableRawPointer, port: Int)
        case stopping(port: Int)
        case stopped(port: Int)
    }

    public let configuration: Configuration
    private let core: ServerCore
    private let lock = Lock()
    private var state = State.idle

    public init(configuration: Configuration, handler: @escaping Handler) {
        self.configuration = configuration
        self.core = ServerCore(configuration: configuration, handler: handler)
    }

    /// The port bound by `start` (useful with port 0); the configured port before that.
    public var port: Int {
        lock.withLock {
            switch state {
            case .idle: configuration.port
            case .running(_, _, let port), .stopping(let port), .stopped(let port): port
            }
        }
    }

    public var stats: Stats { core.stats }

    #if DEBUG
    /// Per-request objects still allocated (debug builds): 0 once idle means no retain was left unbalanced.
    var liveExchangeCount: Int { core.liveExchanges.value }
    #endif

    /// Binds the address and starts the polling threads; returns once the server accepts connections.
    public func start() throws(HTTPServerError) {
        try lock.withLock { () throws(HTTPServerError) in
            guard case .idle = state else { throw .alreadyStarted }
            if let problem = configuration.problem() { throw .invalidConfiguration(problem) }
            let socket = try ListenSocket.open(host: configuration.host, port: configuration.port,
                                               backlog: configuration.listenBacklog)
            guard let watcher = DisconnectWatcher(onDisconnect: { [weak core] id in
                core?.clientDisconnected(id: id)
            }) else {
                Glibc.close(socket.descriptor)
                throw .daemonFailedToStart
            }
            core.watcher = watcher
            let context = Unmanaged.passRetained(core).toOpaque()
            guard let daemon = startDaemon(socket: socket, context: context) else {
                // MHD closes the listening socket on some failure paths and not others: leave it (rare, one fd).
                Unmanaged<ServerCore>.fromOpaque(context).release()
                watcher.stop()
                throw .daemonFailedToStart
            }
            state = .running(daemon: daemon, context: context, port: socket.port)
            configuration.logger.info("HTTP server listening", metadata: [
                "address": "\(configuration.host):\(socket.port)", "threads": "\(configuration.threadCount)",
            ])
        }
    }

    private func startDaemon(socket: ListenSocket, context: UnsafeMutableRawPointer) -> OpaquePointer? {
        var options = [
            // First, or MHD prints the messages of the options before it to stderr itself.
            cmhd_option_external_logger(mhdLog, context),
            cmhd_option_listen_socket(socket.descriptor),
            cmhd_option_uint(.CONNECTION_LIMIT, UInt32(configuration.connectionLimit)),
            cmhd_option_uint(.CONNECTION_TIMEOUT, configuration.connectionTimeoutSeconds),
            cmhd_option_size(.CONNECTION_MEMORY_LIMIT, configuration.maxHeaderBytes + (8 << 10)),
            cmhd_option_uri_log(mhdBeginRequest, context),
            cmhd_option_notify_completed(mhdEndRequest, context),
            cmhd_option_notify_connection(mhdConnectionEvent, context),
        ]
        if configuration.threadCount > 1 {
            options.append(cmhd_option_uint(.THREAD_POOL_SIZE, UInt32(configuration.threadCount)))
        }
        options.append(cmhd_option_end())
        var flags = MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_ALLOW_SUSPEND_RESUME.rawValue
            | MHD_USE_ERROR_LOG.rawValue
        if socket.isIPv6 {
            flags |= MHD_USE_IPv6.rawValue
        }
        return options.withUnsafeMutableBufferPointer {
            cmhd_start_daemon(flags, 0, mhdAccess, context, $0.baseAddress)
        }
    }

    /// Stops gracefully and returns when the server is stopped:
    /// 1. stops accepting connections (the port is released at once) and answers requests that arrive on open
    ///    keep-alive connections with `errorResponse(.shuttingDown)`, `Connection: close`;
    /// 2. waits up to `gracePeriod` for in-flight requests and streams to finish;
    /// 3. then cancels those left (task cancellation, `ResponseStreamWriter.onCancel`) and gives them up to 0.5 s
    ///    to return, still sending what they write;
    /// 4. then ends remaining streams cleanly (buffered bytes, then the last chunk), answers handlers that have not
    ///    returned with `.shuttingDown`, waits up to 1 s for those bytes to go out, and stops libmicrohttpd,
    ///    closing every connection.
    /// Calling it before `start` or again does nothing (a second concurrent call waits for the first).
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        let running = lock.withLock { () -> (OpaquePointer, UnsafeMutableRawPointer, Int)? in
            guard case .running(let daemon, let context, let port) = state else { return nil }
            state = .stopping(port: port)
            return (daemon, context, port)
        }
        guard let running else {
            while lock.withLock({ if case .stopping = state { true } else { false } }) {
                try? await Task.sleep(for: .milliseconds(10))
            }
            return
        }
        let (daemon, context, port) = running
        let logger = configuration.logger
        core.beginDraining()
        // Quiesce takes the listening socket out of every polling thread's epoll set; shutdown(SHUT_RD) then makes
        // the kernel refuse new connections at once. Closing it must wait until the polling threads are joined:
        // one may still be removing it from its set, and libmicrohttpd aborts on EBADF there.
        let listening = MHD_quiesce_daemon(daemon)
        if listening >= 0 {
            _ = Glibc.shutdown(listening, Int32(SHUT_RD))
        }
        logger.info("HTTP server draining", metadata: ["active_requests": "\(core.stats.activeRequests)"])

        let clock = ContinuousClock()
        await waitUntil(clock.now + gracePeriod) { core.isIdle }
        if !core.isIdle {
            logger.info("HTTP server grace period over; cancelling",
                        metadata: ["active_requests": "\(core.stats.activeRequests)"])
            core.cancelAll()
            await waitUntil(clock.now + .milliseconds(500)) { core.isIdle }
        }
        core.closeAll()
        await waitUntil(clock.now + .seconds(1)) { core.connectionsReleased }
        core.closeAll()
        MHD_stop_daemon(daemon)
        if listening >= 0 {
            Glibc.close(listening)
        }
        core.watcher?.stop()
        Unmanaged<ServerCore>.fromOpaque(context).release()
        lock.withLock { state = .stopped(port: port) }
        logger.info("HTTP server stopped", metadata: ["port": "\(port)"])
    }

    private func waitUntil(_ deadline: ContinuousClock.Instant, _ condition: () -> Bool) async {
        while !condition(), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }
}
