/// A completion in flight: its events, and a way to abort it from any thread.
///
/// Cancelling the task that reads `events` aborts it too, but only once that task runs again; `cancel` lets
/// whoever notices first (the server, when the client hangs up) stop the backend at once, without waiting
/// for a thread of the concurrency pool.
public struct CompletionCall: Sendable {
    public let events: AsyncThrowingStream<CompletionEvent, any Error>
    /// Idempotent; the events then end with ``BackendError/cancelled`` unless they already ended.
    public let cancel: @Sendable () -> Void

    public init(events: AsyncThrowingStream<CompletionEvent, any Error>, cancel: @escaping @Sendable () -> Void) {
        self.events = events
        self.cancel = cancel
    }

    /// A call that already ended with `error`.
    static func failed(_ error: any Error) -> CompletionCall {
        CompletionCall(events: AsyncThrowingStream { $0.finish(throwing: error) }, cancel: {})
    }
}
