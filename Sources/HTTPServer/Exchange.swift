import CMicroHTTPD
import Glibc

/// One request on one connection, from its request line until both libmicrohttpd and the handler task are
/// done with it; then the server retires it (drops it from the registry and the gauges).
///
/// Threads: the head and body fields are touched only by the connection's MHD thread, before the handler
/// starts. Everything under "shared" is guarded by `lock`, which the MHD thread (content reader, access handler
/// after a resume), the handler task (deliver, write) and the disconnect watcher all take. A connection is
/// suspended only under `lock` and resumed only under `lock` when `suspended` says it is, so a wake-up is never
/// lost and never doubled (BRIDGING pitfall 9). `connection` turns nil, under `lock`, when MHD reports the request
/// completed: after that nobody touches the MHD connection again.
final class Exchange: @unchecked Sendable {
    enum Phase {
        case awaitingHeaders, receivingBody, dispatched, answered
    }

    enum Cancellation {
        /// The client closed the connection or MHD dropped it: stop producing, the bytes go nowhere.
        case clientGone
        /// The server is shutting down: finish soon; what is written still reaches the client.
        case shutdown
    }

    let id: UInt64
    let core: ServerCore
    let target: String
    /// The request line arrived after `shutdown` began: answered 503 without calling the handler.
    let arrivedWhileDraining: Bool

    // Head and body: the MHD thread only, until dispatch.
    let arrival = ContinuousClock.now
    var phase = Phase.awaitingHeaders
    var method = ""
    var version = ""
    var headers = HTTPHeaders()
    var body: [UInt8] = []
    var bodyTooLarge = false
    var discardedBodyBytes = 0
    var remoteAddress = ""

    // Shared, guarded by `lock`.
    private let lock = Lock()
    private var connection: OpaquePointer?
    private var suspended = false
    /// A response is queued (or the request was refused): a late `deliver` must be dropped.
    private var answered = false
    private var pendingResponse: HTTPResponse?
    private var isStream = false
    private var streamBuffer: [UInt8] = []
    private var streamReadIndex = 0
    private var streamEnded = false
    /// The server is stopping: never suspend again; streams end once their buffer is sent.
    private var closing = false
    private var cancellation: Cancellation?
    private var cancelHandlers: [@Sendable () -> Void] = []
    private var task: Task<Void, Never>?
    private var taskRunning = false
    /// The handler returned a whole response, or its stream ended: nothing left to cancel.
    private var producerDone = false
    private var watchedDescriptor: Int32 = -1
    private var retired = false

    init(id: UInt64, core: ServerCore, target: String, connection: OpaquePointer?, arrivedWhileDraining: Bool) {
        self.id = id
        self.core = core
        self.target = target
        self.connection = connection
        self.arrivedWhileDraining = arrivedWhileDraining
        #if DEBUG
        core.liveExchanges.add(1)
        #endif
    }

    #if DEBUG
    deinit {
        core.liveExchanges.add(-1)
    }
    #endif

    func makeRequest() -> HTTPRequest {
        HTTPRequest(id: id, method: method, target: target, version: version, headers: headers, body: body,
                    remoteAddress: remoteAddress)
    }

    // MARK: MHD thread

    /// Marks the handler as running; false when the server is closing (the caller answers 503 instead).
    func beginHandler() -> Bool {
        lock.withLock {
            guard !closing else { return false }
            taskRunning = true
            return true
        }
    }

    enum StartOutcome {
        /// The handler already answered: queue it now. `producing`: a stream whose closure still runs.
        case respond(HTTPResponse, producing: Bool)
        case refuse(HTTPServerFailure)
        /// Suspended until the handler delivers.
        case suspended
    }

    /// Right after the handler task started: takes what it already delivered, or suspends the connection until it
    /// does. Runs under the lock `deliver` takes, so whichever comes second sees the other (no lost wake-up).
    func afterHandlerStarted(connection: OpaquePointer) -> StartOutcome {
        lock.withLock {
            if let response = pendingResponse {
                pendingResponse = nil
                answered = true
                return .respond(response, producing: !producerDone)
            }
            if closing {
                answered = true
                return .refuse(.shuttingDown)
            }
            suspended = true
            MHD_suspend_connection(connection)
            return .suspended
        }
    }

    /// Records the handler task and the watched socket; cancels the task at once if the client already left.
    func attach(task newTask: Task<Void, Never>, watching descriptor: Int32) {
        let cancelled = lock.withLock { () -> Bool in
            task = newTask
            watchedDescriptor = descriptor
            return cancellation != nil
        }
        if cancelled { newTask.cancel() }
    }

    enum NextStep {
        case respond(HTTPResponse)
        case refuse(HTTPServerFailure)
        case close
        case wait
    }

    /// The access handler was called again after a resume: what to do with the connection now.
    func nextStepAfterResume(connection: OpaquePointer) -> NextStep {
        lock.withLock {
            if let response = pendingResponse {
                pendingResponse = nil
                answered = true
                return .respond(response)
            }
            if cancellation == .clientGone { return .close }
            if closing {
                answered = true
                return .refuse(.shuttingDown)
            }
            // Not reached by design (every resume comes with a reason); wait again rather than spin.
            suspended = true
            MHD_suspend_connection(connection)
            return .wait
        }
    }

    func markAnswered() {
        lock.withLock { answered = true }
    }

    /// The content reader: copies what the producer has written (as much as fits), ends the stream, or suspends
    /// until the producer writes again.
    func readStream(into destination: UnsafeMutableRawPointer, capacity: Int) -> Int {
        lock.withLock {
            if cancellation == .clientGone {
                // Not MHD_CONTENT_READER_END_WITH_ERROR: in epoll mode libmicrohttpd 0.9.75 then leaves a connection
                // that was just resumed closed but never cleaned up (out of its epoll set, off the ready list) until
                // its timeout. Shutting the socket down and ending the body makes the last chunk's send fail and MHD
                // clean up through its own error path; a client still reading sees the connection end before the
                // last chunk, an incomplete response.
                if let connection {
                    _ = shutdown(cmhd_connection_fd(connection), Int32(SHUT_RDWR))
                }
                return cmhd_content_reader_end_of_stream
            }
            let available = streamBuffer.count - streamReadIndex
            if available > 0 {
                let count = min(available, capacity)
                streamBuffer.withUnsafeBytes { source in
                    let pending = UnsafeRawBufferPointer(rebasing: source[streamReadIndex..<streamReadIndex + count])
                    UnsafeMutableRawBufferPointer(start: destination, count: count).copyMemory(from: pending)
                }
                streamReadIndex += count
                if streamReadIndex == streamBuffer.count {
                    streamBuffer.removeAll(keepingCapacity: true)
                    streamReadIndex = 0
                }
                return count
            }
            if streamEnded || closing { return cmhd_content_reader_end_of_stream }
            guard let connection else { return cmhd_content_reader_end_with_error }
            suspended = true
            MHD_suspend_connection(connection)
            return 0
        }
    }

    /// MHD is done with the request (sent, failed, or the connection closed). Returns the watched socket to
    /// unwatch, and whether the handler was still producing, in which case the caller fires the cancellation
    /// (`clientAborted` tells who cut it short).
    func completedByMHD(clientAborted: Bool) -> (descriptor: Int32, cancel: Bool) {
        lock.withLock {
            connection = nil
            suspended = false
            answered = true
            let descriptor = watchedDescriptor
            watchedDescriptor = -1
            guard taskRunning, !producerDone, cancellation == nil else { return (descriptor, false) }
            cancellation = clientAborted ? .clientGone : .shutdown
            return (descriptor, true)
        }
    }

    // MARK: Handler task

    /// Hands the response to the MHD thread. False when nobody will send it (client gone, or already answered);
    /// a stream is then marked cancelled and ended.
    func deliver(_ response: HTTPResponse) -> Bool {
        lock.withLock {
            guard case .stream = response.body else {
                producerDone = true
                return accept(response)
            }
            guard accept(response) else {
                // The closure still runs (the application may hold resources for it); it finds itself cancelled.
                streamEnded = true
                if cancellation == nil { cancellation = closing ? .shutdown : .clientGone }
                return false
            }
            isStream = true
            return true
        }
    }

    /// Stores the response for the MHD thread and wakes the connection; under `lock`.
    private func accept(_ response: HTTPResponse) -> Bool {
        guard let connection, !answered, cancellation != .clientGone else { return false }
        pendingResponse = response
        if suspended {
            suspended = false
            MHD_resume_connection(connection)
        }
        return true
    }

    /// Appends bytes to the stream; false when they will never be sent.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        lock.withLock {
            guard let connection, !streamEnded, !closing, cancellation != .clientGone else { return false }
            streamBuffer.append(contentsOf: bytes)
            if suspended {
                suspended = false
                MHD_resume_connection(connection)
            }
            return true
        }
    }

    var bufferedByteCount: Int {
        lock.withLock { streamBuffer.count - streamReadIndex }
    }

    func endStream() {
        lock.withLock {
            streamEnded = true
            producerDone = true
            if suspended, let connection {
                suspended = false
                MHD_resume_connection(connection)
            }
        }
    }

    func taskFinished() {
        lock.withLock {
            taskRunning = false
            producerDone = true
        }
        core.retireIfDone(self)
    }

    // MARK: Cancellation

    var isCancelled: Bool {
        lock.withLock { cancellation != nil }
    }

    /// Runs `handler` once when the exchange is cancelled, or at once if it already is.
    func onCancel(_ handler: @escaping @Sendable () -> Void) {
        let runNow = lock.withLock { () -> Bool in
            if cancellation != nil { return true }
            cancelHandlers.append(handler)
            return false
        }
        if runNow { handler() }
    }

    /// Records the cancellation (the first reason wins, except that a vanished client overrides a shutdown) and
    /// wakes the connection so MHD sees it; then cancels the task and runs the handlers outside the lock.
    func cancel(_ reason: Cancellation) {
        let first = lock.withLock { () -> Bool in
            let first = cancellation == nil
            guard first || (reason == .clientGone && cancellation == .shutdown) else { return false }
            cancellation = reason
            if reason == .clientGone, suspended, let connection {
                suspended = false
                MHD_resume_connection(connection)
            }
            return first
        }
        if first { fireCancellation() }
    }

    /// Cancels the task and runs the cancellation handlers outside the lock; called once, after `cancellation`
    /// was first set.
    func fireCancellation() {
        let (handlers, task) = lock.withLock { () -> ([@Sendable () -> Void], Task<Void, Never>?) in
            let handlers = cancelHandlers
            cancelHandlers = []
            return (handlers, self.task)
        }
        task?.cancel()
        for handler in handlers { handler() }
    }

    /// The server is stopping: end streams once their buffer is sent, answer waiting requests with 503, and never
    /// suspend again (MHD_stop_daemon aborts the process if a connection is still suspended).
    func close() {
        lock.withLock {
            closing = true
            if suspended, let connection {
                suspended = false
                MHD_resume_connection(connection)
            }
        }
    }

    // MARK: Retirement

    /// Non-nil exactly once, when neither MHD nor the task uses the exchange any more: whether it streamed.
    func retireIfDone() -> Bool? {
        lock.withLock {
            guard !retired, connection == nil, !taskRunning else { return nil }
            retired = true
            return isStream
        }
    }

    var isDoneWithConnection: Bool {
        lock.withLock { connection == nil }
    }
}
