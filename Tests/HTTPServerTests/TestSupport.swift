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

/// Polls `condition` until it holds or `timeout` passes; true when it held.
func eventually(within timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return true
}

/// A thread-safe flag that handlers raise and tests wait on (or the reverse).
final class Flag: @unchecked Sendable {
    private var raised = false
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
        pthread_mutex_unlock(mutex)
    }

    /// Waits (polling, cancellation-aware) until raised; false if `timeout` passed first.
    func wait(within timeout: Duration = .seconds(5)) async -> Bool {
        await eventually(within: timeout) { isRaised }
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

/// A wait that cancellation does not cut short, like a handler stuck in a blocking call.
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
