import Foundation
import Glibc
public import JSON

/// An in-process HTTP/1.1 server that speaks every backend dialect toolgate talks to, for tests and
/// benchmarks: llama.cpp (`POST /completion`, `GET /props`, `GET /health`), OpenAI completions
/// (`POST /v1/completions`, `GET /v1/models`), TGI (`POST /generate`, `POST /generate_stream`,
/// `GET /info`) and Ollama (`POST /api/generate`, `GET /api/version`), streamed and not.
///
/// Answers come from a queue of ``FakeReply`` (``enqueue(_:)``), then from the responder closure, then
/// ``defaultReply``. Every request is recorded (``requests``). Replies can misbehave on demand
/// (``FakeMisbehaviour``). One listener thread, one thread per connection, keep-alive; answers are
/// written at once (no artificial latency), so it doubles as the instant backend of benchmarks.
/// It serves until ``stop()`` (its threads keep it alive until then).
public final class FakeBackend: @unchecked Sendable {
    /// The bound port on 127.0.0.1.
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private let listenFD: Int32
    private let lock = NSLock()
    private var queue: [FakeReply] = []
    private var responder: (@Sendable (FakeRequest) -> FakeReply)?
    private var recorded: [FakeRequest] = []
    private var abandoned = 0
    private var connections: [Int32: Int] = [:]
    private var connectionCount = 0
    private var stopped = false
    private var healthStatusValue = 200
    private var propsValue: JSONValue = FakeBackend.defaultProps
    /// Record requests (turn off in benchmarks so memory stays flat).
    private let recordRequests: Bool

    /// The answer when the queue is empty and there is no responder.
    public let defaultReply: FakeReply

    /// Starts listening on 127.0.0.1:`port` (0 picks a free port). Throws when the port cannot be bound.
    public init(
        port: UInt16 = 0, defaultReply: FakeReply = FakeReply("Hello from the fake backend."),
        recordRequests: Bool = true
    ) throws {
        guard let listener = Listener.open(port: port) else { throw FakeBackendError.cannotListen(port: port) }
        listenFD = listener.fd
        self.port = Int(listener.port)
        self.defaultReply = defaultReply
        self.recordRequests = recordRequests
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "fake-backend-accept"
        thread.start()
    }

    deinit { stop() }

    /// A port on 127.0.0.1 where nothing listens (connections are refused). The socket stays bound, never
    /// listening, for the life of the process: closing it would let a fake backend started meanwhile by a
    /// parallel test take the port and answer.
    public static func unusedPort() -> Int {
        guard let socket = Listener.open(port: 0, listen: false) else { return 9 }
        return Int(socket.port)
    }

    /// Answers the next requests with these replies, in order.
    public func enqueue(_ replies: FakeReply...) {
        lock.withLock { queue.append(contentsOf: replies) }
    }

    /// Answers requests the queue does not cover by calling `responder`.
    public func respond(with responder: @escaping @Sendable (FakeRequest) -> FakeReply) {
        lock.withLock { self.responder = responder }
    }

    /// Every request received so far, in arrival order.
    public var requests: [FakeRequest] { lock.withLock { recorded } }

    /// How many responses the client abandoned before their end (closed the connection mid-stream).
    public var abandonedResponses: Int { lock.withLock { abandoned } }

    /// How many connections clients opened.
    public var connectionsAccepted: Int { lock.withLock { connectionCount } }

    /// The status `GET /health` answers (503 = llama.cpp still loading the model).
    public var healthStatus: Int {
        get { lock.withLock { healthStatusValue } }
        set { lock.withLock { healthStatusValue = newValue } }
    }

    /// What `GET /props` answers.
    public var props: JSONValue {
        get { lock.withLock { propsValue } }
        set { lock.withLock { propsValue = newValue } }
    }

    public static let defaultProps: JSONValue = [
        "chat_template": "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}",
        "bos_token": "<s>", "eos_token": "<|im_end|>", "total_slots": 1,
        "default_generation_settings": ["n_ctx": 4096],
    ]

    /// Stops listening and ends every connection. Idempotent.
    ///
    /// Descriptors are only shut down here, under the lock, never closed: each is closed by the thread that uses
    /// it (the accept loop its listener, a connection thread its socket, after leaving `connections`). Closing one
    /// here while its thread still used the number would let that thread act on whatever socket of the process
    /// reuses it (accept on another server's listener, shut down another client's connection).
    public func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            for fd in connections.keys { shutdown(fd, Int32(SHUT_RDWR)) }
            shutdown(listenFD, Int32(SHUT_RDWR))
        }
    }

    private func acceptLoop() {
        defer { close(listenFD) }
        while true {
            let fd = accept(listenFD, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let number: Int? = lock.withLock {
                guard !stopped else { return nil }
                connectionCount += 1
                connections[fd] = connectionCount
                return connectionCount
            }
            guard let number else {
                close(fd)
                return
            }
            let socket = Socket(fd: fd)
            socket.setNoDelay()
            let thread = Thread { [self] in
                serve(socket, connection: number)
                lock.withLock { _ = connections.removeValue(forKey: fd) }
                socket.close()
            }
            thread.name = "fake-backend-connection"
            thread.start()
        }
    }

    /// Records a completion request and picks its reply (the responder runs outside the lock, so it
    /// may look at ``requests``).
    func reply(to request: FakeRequest) -> FakeReply {
        let (queued, responder) = lock.withLock { () -> (FakeReply?, (@Sendable (FakeRequest) -> FakeReply)?) in
            if recordRequests { recorded.append(request) }
            return (queue.isEmpty ? nil : queue.removeFirst(), self.responder)
        }
        return queued ?? responder?(request) ?? defaultReply
    }

    func recordOnly(_ request: FakeRequest) {
        guard recordRequests else { return }
        lock.withLock { recorded.append(request) }
    }

    func noteAbandoned() {
        lock.withLock { abandoned += 1 }
    }
}

/// Why the fake backend could not start.
public enum FakeBackendError: Error, Sendable {
    case cannotListen(port: UInt16)
}
