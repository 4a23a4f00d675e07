import CMicroHTTPD
import Glibc

/// Notices a client hanging up while its connection is suspended.
///
/// libmicrohttpd does not poll suspended connections, so a client that disconnects while the handler waits on a
/// slow backend (or between two stream events) would go unnoticed until the next write. This thread keeps every
/// dispatched request's socket in its own epoll set for EPOLLRDHUP/EPOLLHUP (one-shot) and reports the request id.
/// MHD itself treats a read of 0 bytes as the end of the connection, so a half-close means the same to both.
final class DisconnectWatcher: @unchecked Sendable {
    private let epollDescriptor: Int32
    private let wakeDescriptor: Int32
    private let onDisconnect: @Sendable (UInt64) -> Void
    private var thread = pthread_t()
    private static let stopToken = UInt64.max

    init?(onDisconnect: @escaping @Sendable (UInt64) -> Void) {
        let epollDescriptor = cmhd_watch_create()
        guard epollDescriptor >= 0 else { return nil }
        let wakeDescriptor = cmhd_wake_create()
        guard wakeDescriptor >= 0, cmhd_watch_add_readable(epollDescriptor, wakeDescriptor, Self.stopToken) == 0 else {
            if wakeDescriptor >= 0 { Glibc.close(wakeDescriptor) }
            Glibc.close(epollDescriptor)
            return nil
        }
        self.epollDescriptor = epollDescriptor
        self.wakeDescriptor = wakeDescriptor
        self.onDisconnect = onDisconnect
        let context = Unmanaged.passRetained(self).toOpaque()
        let created = pthread_create(&thread, nil, { context in
            guard let context else { return nil }
            Unmanaged<DisconnectWatcher>.fromOpaque(context).takeRetainedValue().run()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<DisconnectWatcher>.fromOpaque(context).release()
            Glibc.close(wakeDescriptor)
            Glibc.close(epollDescriptor)
            return nil
        }
    }

    func watch(descriptor: Int32, id: UInt64) {
        _ = cmhd_watch_add(epollDescriptor, descriptor, id)
    }

    /// Must run before the descriptor is closed (MHD reports completion first), or a reused descriptor number
    /// could be dropped from the set.
    func unwatch(descriptor: Int32) {
        _ = cmhd_watch_remove(epollDescriptor, descriptor)
    }

    /// Stops and joins the thread; call once.
    func stop() {
        var one: UInt64 = 1
        _ = Glibc.write(wakeDescriptor, &one, MemoryLayout<UInt64>.size)
        pthread_join(thread, nil)
        Glibc.close(wakeDescriptor)
        Glibc.close(epollDescriptor)
    }

    private func run() {
        let capacity: Int32 = 64
        let ids = UnsafeMutablePointer<UInt64>.allocate(capacity: Int(capacity))
        defer { ids.deallocate() }
        while true {
            let count = cmhd_watch_wait(epollDescriptor, ids, capacity)
            if count < 0 {
                if errno == EINTR { continue }
                return
            }
            for index in 0..<Int(count) {
                if ids[index] == Self.stopToken { return }
                onDisconnect(ids[index])
            }
        }
    }
}
