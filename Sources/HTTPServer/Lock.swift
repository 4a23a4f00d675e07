import Glibc

/// A plain mutex for state that MHD threads, handler tasks and the disconnect watcher share.
///
/// Not `Synchronization.Mutex`: that needs macOS 15, and the package still declares macOS 14.
final class Lock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// A counter safe to bump from any thread.
final class Counter: @unchecked Sendable {
    private let lock = Lock()
    private var count = 0

    func add(_ delta: Int) {
        lock.withLock { count += delta }
    }

    var value: Int {
        lock.withLock { count }
    }
}
