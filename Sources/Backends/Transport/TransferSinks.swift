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
