public import Logging

/// HTTP to backends over libcurl: one multi handle driven by one dedicated thread, shared by every
/// request of the process. Connections are kept alive and reused; a cancelled request is removed
/// from the multi handle at once, which closes its connection so the backend stops generating.
///
/// Create one per process (each has its own thread and connection pool) and share it.
public final class CurlTransport: Sendable {
    private let loop: CurlMultiLoop

    /// Throws when libcurl cannot create a multi handle.
    public init(logger: Logger) throws(BackendError) {
        guard let loop = CurlMultiLoop(logger: logger) else {
            throw .transport(code: -1, detail: "curl_multi_init failed")
        }
        self.loop = loop
    }

    deinit {
        loop.shutdown()
    }

    /// Sends `request` to `baseURL` and streams the decoded response: `.text` events as the body
    /// arrives, then `.finished`; or the stream throws a ``BackendError``. Cancelling the consuming task
    /// (or dropping the stream) aborts the transfer.
    public func stream(
        _ request: BackendHTTPRequest, baseURL: String, headers: [String] = [],
        decoder: any CompletionDecoder, streaming: Bool,
        timeouts: BackendTimeouts
    ) -> AsyncThrowingStream<CompletionEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<CompletionEvent, any Error>.makeStream()
        let id = loop.makeID()
        let sink = EventSink(decoder: decoder, continuation: continuation)
        let transfer = CurlTransfer(
            id: id, url: baseURL + request.path, request: request, extraHeaders: headers,
            timeouts: timeouts, streaming: streaming, sink: sink)
        continuation.onTermination = { [loop] termination in
            if case .cancelled = termination { loop.cancel(id) }
        }
        loop.start(transfer)
        return stream
    }

    /// Sends `request` and returns the whole 2xx body; a non-2xx status throws
    /// ``BackendError/httpStatus(code:body:)``. Cancelling the task aborts the transfer.
    public func fetch(
        _ request: BackendHTTPRequest, baseURL: String, headers: [String] = [],
        timeouts: BackendTimeouts
    ) async throws(BackendError) -> [UInt8] {
        let id = loop.makeID()
        let result: Result<[UInt8], BackendError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let sink = BodySink(continuation: continuation)
                let transfer = CurlTransfer(
                    id: id, url: baseURL + request.path, request: request, extraHeaders: headers,
                    timeouts: timeouts, streaming: false, sink: sink)
                loop.start(transfer)
            }
        } onCancel: { [loop] in
            loop.cancel(id)
        }
        return try result.get()
    }
}

/// Feeds a response to a decoder and its events to an async stream; ends the stream at `.finished`
/// (a response's trailing bytes, such as `[DONE]`, are then drained by curl and ignored).
final class EventSink: TransferSink {
    private let decoder: any CompletionDecoder
    private let continuation: AsyncThrowingStream<CompletionEvent, any Error>.Continuation
    private var done = false

    init(decoder: any CompletionDecoder, continuation: AsyncThrowingStream<CompletionEvent, any Error>.Continuation) {
        self.decoder = decoder
        self.continuation = continuation
    }

    /// Text decoded from one network read goes out as one event: a burst of small backend events
    /// costs one consumer wake-up, not one each.
    func received(_ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        guard !done else { return }
        var text = ""
        var final: CompletionEvent?
        defer {
            if !text.isEmpty { deliver(.text(text)) }
            if let final { deliver(final) }
        }
        try decoder.consume(bytes) { event in
            switch event {
            case .text(let piece) where final == nil: text += piece
            case .finished where final == nil: final = event
            default: break
            }
        }
    }

    func completed(failure: BackendError?) {
        guard !done else { return }
        if let failure {
            done = true
            continuation.finish(throwing: failure)
            return
        }
        do {
            try decoder.finish { event in deliver(event) }
            if !done {
                done = true
                continuation.finish(throwing: BackendError.invalidResponse(what: "no final event", excerpt: ""))
            }
        } catch {
            done = true
            continuation.finish(throwing: error)
        }
    }

    private func deliver(_ event: CompletionEvent) {
        guard !done else { return }
        continuation.yield(event)
        if case .finished = event {
            done = true
            continuation.finish()
        }
    }
}

/// Collects a whole body for ``CurlTransport/fetch(_:baseURL:headers:timeouts:)``.
final class BodySink: TransferSink {
    private let continuation: CheckedContinuation<Result<[UInt8], BackendError>, Never>
    private var body: [UInt8] = []
    private let limit = 64 << 20

    init(continuation: CheckedContinuation<Result<[UInt8], BackendError>, Never>) {
        self.continuation = continuation
    }

    func received(_ bytes: UnsafeRawBufferPointer) throws(BackendError) {
        body.append(contentsOf: bytes)
        if body.count > limit {
            throw .invalidResponse(what: "a body larger than \(limit) bytes", excerpt: excerpt(body))
        }
    }

    func completed(failure: BackendError?) {
        continuation.resume(returning: failure.map { .failure($0) } ?? .success(body))
    }
}
