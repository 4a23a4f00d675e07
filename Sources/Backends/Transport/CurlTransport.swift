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
    /// arrives, then `.finished`; or the stream throws a ``BackendError``. Cancelling the consuming task,
    /// dropping the stream or calling the call's `cancel` aborts the transfer.
    public func start(
        _ request: BackendHTTPRequest, baseURL: String, headers: [String] = [],
        decoder: any CompletionDecoder, streaming: Bool,
        timeouts: BackendTimeouts
    ) -> CompletionCall {
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
        return CompletionCall(events: stream, cancel: { [loop] in loop.cancel(id) })
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
