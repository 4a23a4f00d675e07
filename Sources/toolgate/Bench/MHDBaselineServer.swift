import CMicroHTTPD
import Glibc

/// The floor for `bench http`: libmicrohttpd answering from its polling thread with one shared, prebuilt response
/// (no suspend, no Swift task, no per-request allocation), on the same thread count as the server under test.
/// What `HTTPServer` adds on top of it is the price of its async handler model.
final class MHDBaselineServer {
    private let daemon: OpaquePointer
    private let response: OpaquePointer
    private let body: UnsafeMutableRawBufferPointer
    let port: Int

    init?(threads: Int, body: [UInt8], contentType: String, port: Int = 0) {
        let bodyCopy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(body.count, 1), alignment: 1)
        bodyCopy.copyBytes(from: body)
        guard let response = MHD_create_response_from_buffer(body.count, bodyCopy.baseAddress, .RESPMEM_PERSISTENT)
        else {
            bodyCopy.deallocate()
            return nil
        }
        _ = MHD_add_response_header(response, "Content-Type", contentType)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(clamping: port).bigEndian
        let daemon = withUnsafeMutablePointer(to: &address) { addressPointer -> OpaquePointer? in
            var options = [cmhd_option_pointer(.SOCK_ADDR, UnsafeMutableRawPointer(addressPointer))]
            if threads > 1 {
                options.append(cmhd_option_uint(.THREAD_POOL_SIZE, UInt32(threads)))
            }
            options.append(cmhd_option_end())
            let flags = MHD_USE_EPOLL_INTERNAL_THREAD.rawValue
            return options.withUnsafeMutableBufferPointer {
                cmhd_start_daemon(flags, 0, baselineAccess, UnsafeMutableRawPointer(response), $0.baseAddress)
            }
        }
        guard let daemon else {
            MHD_destroy_response(response)
            bodyCopy.deallocate()
            return nil
        }
        self.daemon = daemon
        self.body = bodyCopy
        self.response = response
        self.port = Int(cmhd_daemon_port(daemon))
    }

    func stop() {
        MHD_stop_daemon(daemon)
        MHD_destroy_response(response)
        body.deallocate()
    }
}

/// Marks the request on the first call and answers on the second, as keep-alive requires (BRIDGING pitfall 8).
private func baselineAccess(_ context: UnsafeMutableRawPointer?, _ connection: OpaquePointer?,
                            _ url: UnsafePointer<CChar>?, _ method: UnsafePointer<CChar>?,
                            _ version: UnsafePointer<CChar>?, _ uploadData: UnsafePointer<CChar>?,
                            _ uploadDataSize: UnsafeMutablePointer<Int>?,
                            _ requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> MHD_Result {
    guard let context, let requestContext else { return .NO }
    if requestContext.pointee == nil {
        requestContext.pointee = context
        return .YES
    }
    if let uploadDataSize, uploadDataSize.pointee > 0 {
        uploadDataSize.pointee = 0
        return .YES
    }
    return MHD_queue_response(connection, 200, OpaquePointer(context))
}
