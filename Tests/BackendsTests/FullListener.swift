import Glibc

/// A loopback listener with a backlog of 0 that never accepts, its queue filled by idle connections:
/// Linux then drops further SYNs, so a new connection hangs in the handshake (a connect timeout on
/// loopback, without touching any other address).
final class FullListener {
    let port: Int
    private var descriptors: [Int32] = []

    init?() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        descriptors.append(fd)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, size) }
        }
        guard bound == 0, listen(fd, 0) == 0 else { return nil }
        var length = size
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        // Fill the accept queue (backlog 0 holds one connection; two to be sure), without waiting.
        for _ in 0..<2 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard client >= 0 else { return nil }
            descriptors.append(client)
            _ = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, size) }
            }
        }
        // The queue is full once the first filler's handshake is done (a loaded machine may take a while);
        // give the second a moment too.
        guard Self.waitUntilConnected(descriptors[1], milliseconds: 5_000) else { return nil }
        _ = Self.waitUntilConnected(descriptors[2], milliseconds: 100)
        // Proof that the queue holds: a further connection must hang in its handshake.
        let probe = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard probe >= 0 else { return nil }
        descriptors.append(probe)
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(probe, $0, size) }
        }
        if Self.waitUntilConnected(probe, milliseconds: 300) {
            close()
            return nil
        }
    }

    /// A full listener, trying a few times (a filler's handshake can race the queue on a loaded machine).
    static func make(attempts: Int = 5) -> FullListener? {
        for _ in 0..<attempts {
            if let listener = FullListener() { return listener }
        }
        return nil
    }

    /// Whether a non-blocking connect on `fd` completed within the time.
    private static func waitUntilConnected(_ fd: Int32, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        return poll(&entry, 1, milliseconds) == 1 && entry.revents & Int16(POLLOUT) != 0
    }

    func close() {
        for fd in descriptors { Glibc.close(fd) }
        descriptors.removeAll()
    }
}
