import Glibc

/// The listening socket, bound here rather than by libmicrohttpd so a failure says exactly what went wrong
/// (MHD_start_daemon only returns NULL). The one place where socket errno values become `HTTPServerError`.
struct ListenSocket {
    let descriptor: Int32
    let port: Int
    let isIPv6: Bool

    static func open(host: String, port: Int, backlog: Int) throws(HTTPServerError) -> ListenSocket {
        let address = try resolve(host: host, port: port)
        func failure(_ operation: String) -> HTTPServerError {
            let code = errno
            switch code {
            case EADDRINUSE: return .addressInUse(host: host, port: port)
            case EADDRNOTAVAIL: return .invalidAddress(host: host, reason: "not an address of this machine")
            default: return .socketFailed(operation: operation, host: host, port: port, errno: code,
                                          reason: String(cString: strerror(code)))
            }
        }
        let family = Int32(address.storage.ss_family)
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw failure("socket") }
        var enable: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &enable, socklen_t(MemoryLayout<Int32>.size))
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, address.length) }
        }
        guard bound == 0 else {
            let error = failure("bind")
            close(descriptor)
            throw error
        }
        guard listen(descriptor, Int32(clamping: backlog)) == 0 else {
            let error = failure("listen")
            close(descriptor)
            throw error
        }
        var local = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            let error = failure("getsockname")
            close(descriptor)
            throw error
        }
        return ListenSocket(descriptor: descriptor, port: Int(SocketAddress.port(of: local)),
                            isIPv6: family == AF_INET6)
    }

    /// A numeric address, or a host name when `host` has letters and no colon: a typo such as `300.1.2.3`
    /// fails at once instead of waiting on DNS.
    private static func resolve(host: String, port: Int) throws(HTTPServerError)
        -> (storage: sockaddr_storage, length: socklen_t)
    {
        let looksLikeName = host.contains { $0.isLetter } && !host.contains(":")
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV | (looksLikeName ? 0 : AI_NUMERICHOST)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host.isEmpty ? nil : host, String(port), &hints, &list)
        guard status == 0, let first = list, let address = first.pointee.ai_addr else {
            let reason = status == 0 ? "no address" : String(cString: gai_strerror(status))
            if let list { freeaddrinfo(list) }
            throw .invalidAddress(host: host, reason: reason)
        }
        defer { freeaddrinfo(list) }
        var storage = sockaddr_storage()
        let length = first.pointee.ai_addrlen
        withUnsafeMutableBytes(of: &storage) { destination in
            destination.copyMemory(from: UnsafeRawBufferPointer(start: address, count: Int(length)))
        }
        return (storage, length)
    }
}
