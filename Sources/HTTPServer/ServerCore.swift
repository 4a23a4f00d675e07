import CMicroHTTPD
import Logging

/// The part of the server that libmicrohttpd's callbacks reach (through an `Unmanaged` context pointer): the
/// handler, the registry of live exchanges and the gauges. `HTTPServer` owns the daemon's lifecycle around it.
final class ServerCore: @unchecked Sendable {
    let configuration: HTTPServer.Configuration
    let handler: HTTPServer.Handler
    /// Set once in `HTTPServer.start` before the daemon starts; read-only afterwards.
    var watcher: DisconnectWatcher?

    #if DEBUG
    /// Exchange objects allocated and not yet freed: tests check that every retain was balanced.
    let liveExchanges = Counter()
    #endif

    private let lock = Lock()
    private var exchanges: [UInt64: Exchange] = [:]
    private var lastID: UInt64 = 0
    private var connectionCount = 0
    private var streamCount = 0
    private var draining = false
    private var closing = false

    init(configuration: HTTPServer.Configuration, handler: @escaping HTTPServer.Handler) {
        self.configuration = configuration
        self.handler = handler
    }

    var logger: Logger { configuration.logger }

    var stats: HTTPServer.Stats {
        lock.withLock {
            HTTPServer.Stats(openConnections: connectionCount, activeRequests: exchanges.count,
                             openStreams: streamCount)
        }
    }

    var isDraining: Bool { lock.withLock { draining } }
    var isClosing: Bool { lock.withLock { closing } }

    // MARK: Registry

    func makeExchange(target: String, connection: OpaquePointer?) -> Exchange {
        lock.withLock {
            lastID += 1
            let exchange = Exchange(id: lastID, core: self, target: target, connection: connection,
                                    arrivedWhileDraining: draining)
            exchanges[lastID] = exchange
            return exchange
        }
    }

    func retireIfDone(_ exchange: Exchange) {
        guard let wasStream = exchange.retireIfDone() else { return }
        lock.withLock {
            exchanges[exchange.id] = nil
            if wasStream { streamCount -= 1 }
        }
    }

    func streamOpened() {
        lock.withLock { streamCount += 1 }
    }

    func connectionOpened() {
        lock.withLock { connectionCount += 1 }
    }

    func connectionClosed() {
        lock.withLock { connectionCount -= 1 }
    }

    func clientDisconnected(id: UInt64) {
        let exchange = lock.withLock { exchanges[id] }
        exchange?.cancel(.clientGone)
    }

    // MARK: Shutdown

    func beginDraining() {
        lock.withLock { draining = true }
    }

    /// Cancels every live exchange with `.shutdown`: handlers and streams are asked to finish now.
    func cancelAll() {
        for exchange in lock.withLock({ Array(exchanges.values) }) {
            exchange.cancel(.shutdown)
        }
    }

    /// Ends every stream once its buffer is sent, answers waiting requests with 503, and resumes every suspended
    /// connection. The flag is set before the sweep, so an exchange either sees it or is swept (see `Exchange`).
    func closeAll() {
        let live = lock.withLock { () -> [Exchange] in
            closing = true
            return Array(exchanges.values)
        }
        for exchange in live {
            exchange.close()
        }
    }

    var isIdle: Bool { lock.withLock { exchanges.isEmpty } }

    /// No live exchange still holds an MHD connection (handler tasks that ignore cancellation may still run).
    var connectionsReleased: Bool {
        lock.withLock { Array(exchanges.values) }.allSatisfy(\.isDoneWithConnection)
    }

    // MARK: Handler task

    func run(_ exchange: Exchange, request: HTTPRequest) async {
        let response = await handler(request)
        let delivered = exchange.deliver(response)
        if case .stream(let produce) = response.body {
            if delivered { streamOpened() }
            await produce(ResponseStreamWriter(exchange: exchange))
            exchange.endStream()
        }
        exchange.taskFinished()
    }
}
