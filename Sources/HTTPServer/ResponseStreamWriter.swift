/// Writes the body of a `.stream` response. Safe to use from any thread or task (a libcurl callback, say).
///
/// `write` never blocks: it appends to a per-response buffer and wakes the connection; the server sends what has
/// accumulated as one chunk (chunked transfer encoding) as soon as the socket takes it, so one write per
/// Server-Sent Event flushes each event without delay. The buffer is unbounded: a producer much faster than the
/// client can watch `bufferedByteCount`.
///
/// Cancellation: when the client disconnects (even while the stream is idle) or the server's shutdown grace
/// period ends, `isCancelled` turns true, the `onCancel` handlers run once, and the task running the stream
/// closure is cancelled (so `Task.isCancelled` and `withTaskCancellationHandler` work too). After a client
/// disconnect writes are dropped; after a shutdown cancellation they are still sent for a short while, so a
/// final event can go out, and the closure should return promptly.
public final class ResponseStreamWriter: Sendable {
    private let exchange: Exchange

    init(exchange: Exchange) {
        self.exchange = exchange
    }

    /// Queues `bytes` for the client; false when they will never be sent (client gone, or the stream was ended by
    /// the server), which is the producer's cue to stop.
    @discardableResult
    public func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        exchange.write(bytes)
    }

    /// Queues `bytes` for the client; see `write(_: UnsafeRawBufferPointer)`.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { exchange.write($0) }
    }

    /// Queues the UTF-8 bytes of `text`; see `write(_: UnsafeRawBufferPointer)`.
    @discardableResult
    public func write(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { exchange.write(UnsafeRawBufferPointer($0)) }
    }

    /// True once the client disconnected or the server began cutting streams at shutdown.
    public var isCancelled: Bool {
        exchange.isCancelled
    }

    /// Runs `handler` once on cancellation (at once if already cancelled), on whichever thread noticed it: keep it
    /// short and non-blocking, e.g. abort a backend transfer.
    public func onCancel(_ handler: @escaping @Sendable () -> Void) {
        exchange.onCancel(handler)
    }

    /// Bytes written but not yet handed to the socket.
    public var bufferedByteCount: Int {
        exchange.bufferedByteCount
    }
}
