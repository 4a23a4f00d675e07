import Dispatch
import Glibc

/// SIGINT and SIGTERM turned into an awaitable event, for a graceful shutdown that exits 0.
///
/// Create it before starting the server (from then on the signals no longer kill the process), await `next()`,
/// then shut the server down and return from `main` normally:
///
/// ```swift
/// let signals = ShutdownSignals()
/// try server.start()
/// let signal = await signals.next()
/// logger.info("received \(signal == SIGINT ? "SIGINT" : "SIGTERM"), shutting down")
/// await server.shutdown(gracePeriod: .seconds(10))
/// ```
///
/// A second signal ends the process at once with status 128 + signal number: the usual way out when a drain
/// hangs.
public final class ShutdownSignals: @unchecked Sendable {
    private let lock = Lock()
    private var received: Int32?
    private var waiters: [CheckedContinuation<Int32, Never>] = []
    private var sources: [any DispatchSourceSignal] = []

    /// Starts catching `signals` (default: SIGINT and SIGTERM).
    public init(signals: [Int32]? = nil) {
        let queue = DispatchQueue(label: "toolgate.shutdown-signals")
        for number in signals ?? [SIGINT, SIGTERM] {
            // Ignored at the process level, delivered to the dispatch source instead.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [weak self] in self?.deliver(number) }
            source.resume()
            sources.append(source)
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// Waits for the first signal and returns its number (at once if one already arrived).
    public func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            let now = lock.withLock { () -> Int32? in
                if let received { return received }
                waiters.append(continuation)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }

    private func deliver(_ number: Int32) {
        let ready = lock.withLock { () -> [CheckedContinuation<Int32, Never>]? in
            guard received == nil else { return nil }
            received = number
            defer { waiters = [] }
            return waiters
        }
        guard let ready else {
            _exit(128 + number)
        }
        for waiter in ready { waiter.resume(returning: number) }
    }
}
