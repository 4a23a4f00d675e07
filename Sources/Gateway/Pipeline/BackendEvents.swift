import Backends

/// The backend's event stream, read by one task at a time (first by the request handler, to learn whether
/// the backend answered at all, then by the response stream). Reading is sequential by construction, so
/// the unchecked Sendable is sound.
final class BackendEvents: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<CompletionEvent, any Error>.AsyncIterator
    private let abort: @Sendable () -> Void

    init(_ call: CompletionCall) {
        iterator = call.events.makeAsyncIterator()
        abort = call.cancel
    }

    /// Aborts the backend request; safe from any thread (the server's, when the client hangs up mid-stream).
    func cancel() {
        abort()
    }

    func next() async throws -> CompletionEvent? {
        try await iterator.next()
    }

    /// What arrived before the first text (or the end): lets the handler answer a dead backend with a
    /// proper 502/504 status instead of a stream that fails after its headers.
    struct First {
        var text: String
        var finish: (Backends.FinishReason, Usage?)?
    }

    func first() async throws -> First {
        switch try await next() {
        case .text(let text)?: return First(text: text, finish: nil)
        case .finished(let reason, let usage)?: return First(text: "", finish: (reason, usage))
        case nil: return First(text: "", finish: (.stop, nil))
        }
    }
}
