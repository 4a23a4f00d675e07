import Dispatch
import Glibc
#if DEBUG
@testable import HTTPServer
#else
import HTTPServer
#endif
import Logging
import Testing

/// A started server on an ephemeral loopback port; shut down when `body` ends, even when it throws. `inline` sets
/// `startsHandlersOnPollingThread`: tests that take it run in both handler placements.
func withServer(inline: Bool = false, configure: (inout HTTPServer.Configuration) -> Void = { _ in },
                handler: @escaping HTTPServer.Handler,
                _ body: (HTTPServer) async throws -> Void) async throws {
    var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: 0, logger: quietLogger)
    configuration.startsHandlersOnPollingThread = inline
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, handler: handler)
    try server.start()
    do {
        try await body(server)
    } catch {
        await server.shutdown(gracePeriod: .zero)
        throw error
    }
    // The body's clients are closed by now: nothing may linger (a connection MHD forgot, an unbalanced retain).
    #expect(await eventually { server.stats == HTTPServer.Stats() && liveExchanges(server) == 0 },
            "left behind: \(server.stats), \(liveExchanges(server)) live exchanges")
    await server.shutdown(gracePeriod: .seconds(1))
}

let quietLogger = Logger(label: "HTTPServerTests") { _ in SwiftLogNoOpLogHandler() }

/// How long a test waits for something a correct server does at once (a response, a close, a cancellation).
///
/// Generous on purpose: swift-testing runs every suite of the package on one cooperative pool, as many threads as
/// cores (2 on the build machine). While other suites' synchronous, CPU-bound test cases hold those threads, a test
/// here, and a handler started off the polling thread, can be paused for many seconds. A passing test never waits
/// this out; only a failing one does. Server timers that a test relies on run against events, never against it.
let patience: Duration = .seconds(60)

/// Polls `condition` until it holds or `timeout` passes; true when it held. Checks once more after the deadline
/// (the caller may have been paused past it), and stops polling when the task is cancelled.
func eventually(within timeout: Duration = patience, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline, !Task.isCancelled else { return condition() }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return true
}

/// A thread-safe flag that handlers raise and tests wait on (or the reverse).
final class Flag: @unchecked Sendable {
    private var raised = false
    private var waiters: [UnsafeContinuation<Void, Never>] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    var isRaised: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return raised
    }

    func raise() {
        pthread_mutex_lock(mutex)
        raised = true
        let woken = waiters
        waiters = []
        pthread_mutex_unlock(mutex)
        for waiter in woken { waiter.resume() }
    }

    /// Waits (polling, cancellation-aware) until raised; false if `timeout` passed first.
    func wait(within timeout: Duration = patience) async -> Bool {
        await eventually(within: timeout) { isRaised }
    }

    /// Waits until raised, whatever happens to the task: a handler stuck in a blocking call until the test lets it
    /// go. Raise it before the test ends, or the task is never resumed.
    func waitIgnoringCancellation() async {
        await withUnsafeContinuation { continuation in
            pthread_mutex_lock(mutex)
            if raised {
                pthread_mutex_unlock(mutex)
                continuation.resume()
            } else {
                waiters.append(continuation)
                pthread_mutex_unlock(mutex)
            }
        }
    }
}

extension HTTPResponse {
    static func text(_ text: String, status: Int = 200) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "text/plain"], body: .bytes(Array(text.utf8)))
    }
}

extension HTTPServer.Stats {
    var isQuiet: Bool { activeRequests == 0 && openStreams == 0 }
}

/// A wait that cancellation does not cut short, like a producer stuck in a blocking call.
func sleepIgnoringCancellation(seconds: Double) async {
    await withUnsafeContinuation { continuation in
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds) { continuation.resume() }
    }
}

/// Per-request objects still allocated; debug builds count them, release builds report 0.
func liveExchanges(_ server: HTTPServer) -> Int {
    #if DEBUG
    server.liveExchangeCount
    #else
    0
    #endif
}
