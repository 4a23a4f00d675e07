import CMicroHTTPD
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
/// hangs. One instance per process: the signals' handlers are process-wide.
public final class ShutdownSignals: @unchecked Sendable {
    private let lock = Lock()
    private var received: Int32?
    private var waiters: [CheckedContinuation<Int32, Never>] = []
    private var source: (any DispatchSourceRead)?

    /// Starts catching `signals` (default: SIGINT and SIGTERM). The handlers are in place when this returns.
    public init(signals: [Int32]? = nil) {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else { return }
        let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        }
        let source = DispatchSource.makeReadSource(fileDescriptor: readEnd,
                                                   queue: DispatchQueue(label: "toolgate.shutdown-signals"))
        source.setEventHandler { [weak self] in
            var bytes = [UInt8](repeating: 0, count: 16)
            let count = read(readEnd, &bytes, bytes.count)
            guard count > 0 else { return }
            for byte in bytes[..<count] { self?.deliver(Int32(byte)) }
        }
        source.resume()
        self.source = source
        for number in signals ?? [SIGINT, SIGTERM] {
            _ = cmhd_catch_signal(number, writeEnd)
        }
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
