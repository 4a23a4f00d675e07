import Glibc
public import Logging

extension HTTPServer {
    /// How the server listens and what it accepts. Every limit has a default fit for an LLM gateway.
    public struct Configuration: Sendable {
        /// A numeric IPv4/IPv6 address or a host name (`127.0.0.1`, `0.0.0.0`, `::`, `localhost`).
        public var host: String
        /// The TCP port; 0 picks a free one (read `HTTPServer.port` after `start`).
        public var port: Int
        /// libmicrohttpd polling threads (epoll, one thread owns each connection); default: the active cores.
        /// Handlers never wait on them, so this needs no headroom for slow handlers.
        public var threadCount: Int
        /// Connections open at once; further ones wait in the listen backlog until one closes. Keep it under
        /// `ulimit -n`.
        public var connectionLimit: Int
        /// A connection that sends or receives nothing for this long is closed: idle keep-alive connections and
        /// clients that stall mid-request (slowloris) alike. Time spent waiting on the handler or on a quiet
        /// stream does not count. Whole seconds (rounded up); `.zero` disables it.
        public var connectionTimeout: Duration
        /// Longest time from the request line to the end of the body: a client that trickles its body (each byte
        /// inside `connectionTimeout`, so the idle timeout never fires) is disconnected when it runs out. Time in
        /// the handler or on the response does not count. `.zero` disables it.
        public var requestTimeout: Duration
        /// Longest request body buffered; a longer one gets `errorResponse(.requestBodyTooLarge)` (413): at once
        /// when `Content-Length` announces it (the connection then closes), after reading and discarding the rest
        /// when a chunked body grows past it (the connection stays usable; past twice the limit it is dropped).
        public var maxRequestBodyBytes: Int
        /// Longest request line and header fields together; beyond it the answer is
        /// `errorResponse(.headerFieldsTooLarge)` (431). It also sizes libmicrohttpd's per-connection memory pool
        /// (this + 8 KiB, cleared after every request): bigger costs memory and time.
        public var maxHeaderBytes: Int
        /// Pending connections the kernel queues before `accept`.
        public var listenBacklog: Int
        /// Runs each handler on the polling thread until its first suspension (`Task.immediateDetached`) instead of
        /// handing it to the concurrency pool first. That saves a thread handoff per request, and a response
        /// computed without suspending goes out with no handoff at all; but the handler's synchronous part then
        /// runs on the thread that also serves other connections. Turn it on only for handlers that do little
        /// before they first await (or that hop off themselves). Default off.
        public var startsHandlersOnPollingThread: Bool
        /// The response the server sends for a failure it answers itself (413, 431, 503). Runs on a libmicrohttpd
        /// thread: keep it quick. A `.stream` body is sent empty.
        public var errorResponse: @Sendable (HTTPServerFailure) -> HTTPResponse
        /// Server lifecycle at info, libmicrohttpd's own messages at debug. The server logs no line per request.
        public var logger: Logger

        public init(host: String = "127.0.0.1", port: Int = 8080, logger: Logger) {
            self.host = host
            self.port = port
            self.threadCount = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
            self.connectionLimit = 1024
            self.connectionTimeout = .seconds(60)
            self.requestTimeout = .seconds(120)
            self.maxRequestBodyBytes = 16 << 20
            self.maxHeaderBytes = 8 << 10
            self.listenBacklog = 512
            self.startsHandlersOnPollingThread = false
            self.errorResponse = { $0.defaultResponse }
            self.logger = logger
        }

        /// The first out-of-range value, as a sentence; nil when all are usable.
        func problem() -> String? {
            if !(0...65535).contains(port) { return "port \(port) is outside 0...65535" }
            if !(1...256).contains(threadCount) { return "threadCount \(threadCount) is outside 1...256" }
            if connectionLimit < 1 { return "connectionLimit must be at least 1" }
            if connectionTimeout < .zero { return "connectionTimeout must not be negative" }
            if requestTimeout < .zero { return "requestTimeout must not be negative" }
            if maxRequestBodyBytes < 0 { return "maxRequestBodyBytes must not be negative" }
            if maxHeaderBytes < 1024 { return "maxHeaderBytes must be at least 1024" }
            if listenBacklog < 1 { return "listenBacklog must be at least 1" }
            return nil
        }

        /// `connectionTimeout` in whole seconds, rounded up, as MHD takes it.
        var connectionTimeoutSeconds: UInt32 {
            let (seconds, attoseconds) = connectionTimeout.components
            let rounded = seconds + (attoseconds > 0 ? 1 : 0)
            return UInt32(clamping: rounded)
        }
    }
}
