import Glibc

/// The streaming figure of `bench gateway`: streamed requests one after another on one keep-alive connection,
/// each timed to its first Server-Sent Event (`data:`) and to the end of its chunked body.
enum BenchGatewayStreamClient {
    struct Timing {
        /// Microseconds from sending the request to the first `data:` of the response.
        var firstEvent: Double
        /// Microseconds from sending the request to the response's last chunk.
        var total: Double
    }

    /// `count` streamed exchanges of `request`; nil if the connection fails or a response is malformed.
    static func run(port: Int, request: [UInt8], count: Int) -> [Timing]? {
        let descriptor = HTTPLoadClient.connectLoopback(port: port)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let marker = Array("data:".utf8)
        let terminator = Array("\r\n0\r\n\r\n".utf8)
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        var received: [UInt8] = []
        var timings: [Timing] = []
        timings.reserveCapacity(count)
        for _ in 0..<count {
            received.removeAll(keepingCapacity: true)
            let started = HTTPLoadClient.monotonicMicroseconds()
            var offset = 0
            while offset < request.count {
                let sent = request[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
                guard sent > 0 else { return nil }
                offset += sent
            }
            var firstEvent: Double?
            while true {
                let read = scratch.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                guard read > 0 else { return nil }
                let searchFrom = max(0, received.count - marker.count)
                received += scratch[..<read]
                let now = HTTPLoadClient.monotonicMicroseconds()
                if firstEvent == nil, contains(received, marker, from: searchFrom) { firstEvent = now - started }
                if received.count >= terminator.count, received.suffix(terminator.count).elementsEqual(terminator) {
                    guard let firstEvent else { return nil }
                    timings.append(Timing(firstEvent: firstEvent, total: now - started))
                    break
                }
            }
        }
        return timings
    }

    private static func contains(_ bytes: [UInt8], _ needle: [UInt8], from start: Int) -> Bool {
        guard bytes.count >= needle.count else { return false }
        for index in start...(bytes.count - needle.count) where bytes[index] == needle[0] {
            if bytes[index..<(index + needle.count)].elementsEqual(needle) { return true }
        }
        return false
    }
}
