import Glibc

/// An in-process load generator for `bench http`, shaped like `wrk`: a few threads, each driving its share of
/// keep-alive connections with poll(2), one request in flight per connection, latency taken per request.
/// Loopback only; the run stops by itself after `seconds`.
enum HTTPLoadClient {
    struct Result {
        var requests: Int
        var seconds: Double
        /// Per-request latency in microseconds, sorted.
        var latencies: [Double]
        var errors: Int

        var requestsPerSecond: Double { Double(requests) / seconds }

        func percentile(_ fraction: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return latencies[min(latencies.count - 1, Int(Double(latencies.count) * fraction))]
        }
    }

    static func run(port: Int, connections: Int, threads: Int, seconds: Double, request: [UInt8]) -> Result {
        let threadCount = max(1, min(threads, connections))
        let results = UnsafeMutablePointer<Result>.allocate(capacity: threadCount)
        results.initialize(repeating: Result(requests: 0, seconds: seconds, latencies: [], errors: 0),
                           count: threadCount)
        defer {
            results.deinitialize(count: threadCount)
            results.deallocate()
        }
        let deadline = monotonicMicroseconds() + seconds * 1e6
        var workers: [pthread_t] = []
        for index in 0..<threadCount {
            let share = connections / threadCount + (index < connections % threadCount ? 1 : 0)
            let job = Job(port: port, connections: share, deadline: deadline, request: request,
                          result: results + index)
            var thread = pthread_t()
            let context = Unmanaged.passRetained(job).toOpaque()
            pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                Unmanaged<Job>.fromOpaque(context).takeRetainedValue().run()
                return nil
            }, context)
            workers.append(thread)
        }
        for thread in workers { pthread_join(thread, nil) }
        var merged = Result(requests: 0, seconds: seconds, latencies: [], errors: 0)
        for index in 0..<threadCount {
            merged.requests += results[index].requests
            merged.errors += results[index].errors
            merged.latencies += results[index].latencies
        }
        merged.latencies.sort()
        return merged
    }

    static func monotonicMicroseconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) * 1e6 + Double(now.tv_nsec) / 1e3
    }

    /// Opens a blocking TCP connection to 127.0.0.1:`port` with TCP_NODELAY; -1 on failure.
    static func connectLoopback(port: Int) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return -1 }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            return -1
        }
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return descriptor
    }

    /// Where a whole HTTP response (Content-Length framing) ends in `bytes`, if it is complete.
    static func responseEnd(in bytes: UnsafeRawBufferPointer) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var headEnd = -1
        var lengthStart = -1
        let name = Array("content-length:".utf8)
        for index in 0...(bytes.count - 4) {
            if bytes[index] == 13, bytes[index + 1] == 10 {
                if bytes[index + 2] == 13, bytes[index + 3] == 10 {
                    headEnd = index + 4
                    break
                }
                let start = index + 2
                if lengthStart < 0, start + name.count <= bytes.count,
                   name.indices.allSatisfy({ bytes[start + $0] | 0x20 == name[$0] | 0x20 }) {
                    lengthStart = start + name.count
                }
            }
        }
        guard headEnd > 0, lengthStart > 0 else { return nil }
        var length = 0
        var index = lengthStart
        while index < headEnd, bytes[index] == 32 { index += 1 }
        while index < headEnd, (48...57).contains(bytes[index]) {
            length = length * 10 + Int(bytes[index] - 48)
            index += 1
        }
        return headEnd + length <= bytes.count ? headEnd + length : nil
    }

    /// Sends one GET and reads the chunked response to its last chunk; returns the bytes received and the time
    /// from sending the request to the last byte.
    static func drainStream(port: Int, target: String) -> (bytes: Int, seconds: Double)? {
        let descriptor = connectLoopback(port: port)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        let request = Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        let started = monotonicMicroseconds()
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, 0) }) == request.count else {
            return nil
        }
        let terminator: [UInt8] = Array("\r\n0\r\n\r\n".utf8)
        var received: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            received += scratch[..<count]
            // Content-Length framing (the head is at the start, so the scan stops early) or the last chunk.
            if received.withUnsafeBytes({ responseEnd(in: $0) }) != nil { break }
            if received.count >= terminator.count, received.suffix(terminator.count).elementsEqual(terminator) { break }
        }
        let total = received.count
        return (total, (monotonicMicroseconds() - started) / 1e6)
    }

    private final class Job {
        let port: Int
        let connections: Int
        let deadline: Double
        let request: [UInt8]
        let result: UnsafeMutablePointer<Result>

        init(port: Int, connections: Int, deadline: Double, request: [UInt8], result: UnsafeMutablePointer<Result>) {
            self.port = port
            self.connections = connections
            self.deadline = deadline
            self.request = request
            self.result = result
        }

        func run() {
            var descriptors: [Int32] = []
            for _ in 0..<connections {
                let descriptor = HTTPLoadClient.connectLoopback(port: port)
                guard descriptor >= 0 else {
                    result.pointee.errors += 1
                    continue
                }
                descriptors.append(descriptor)
            }
            defer { for descriptor in descriptors { close(descriptor) } }
            var polls = descriptors.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            var buffers = [[UInt8]](repeating: [], count: descriptors.count)
            var sentAt = [Double](repeating: 0, count: descriptors.count)
            var latencies: [Double] = []
            latencies.reserveCapacity(1 << 20)
            var scratch = [UInt8](repeating: 0, count: 65536)
            for index in descriptors.indices {
                sentAt[index] = HTTPLoadClient.monotonicMicroseconds()
                guard sendAll(descriptors[index]) else { return }
            }
            var active = descriptors.count
            while active > 0 {
                let ready = poll(&polls, nfds_t(polls.count), 100)
                if ready < 0 && errno != EINTR { break }
                let now = HTTPLoadClient.monotonicMicroseconds()
                if ready <= 0 {
                    if now > deadline + 1e6 { break }
                    continue
                }
                for index in polls.indices where polls[index].revents != 0 {
                    let count = scratch.withUnsafeMutableBytes { recv(polls[index].fd, $0.baseAddress, $0.count, 0) }
                    guard count > 0 else {
                        result.pointee.errors += 1
                        polls[index].fd = -1
                        active -= 1
                        continue
                    }
                    buffers[index] += scratch[..<count]
                    guard let end = buffers[index].withUnsafeBytes({ HTTPLoadClient.responseEnd(in: $0) }) else {
                        continue
                    }
                    let finished = HTTPLoadClient.monotonicMicroseconds()
                    latencies.append(finished - sentAt[index])
                    buffers[index].removeFirst(end)
                    if finished >= deadline {
                        polls[index].fd = -1
                        active -= 1
                        continue
                    }
                    sentAt[index] = finished
                    guard sendAll(descriptors[index]) else {
                        result.pointee.errors += 1
                        polls[index].fd = -1
                        active -= 1
                        continue
                    }
                }
            }
            result.pointee.requests = latencies.count
            result.pointee.latencies = latencies
        }

        private func sendAll(_ descriptor: Int32) -> Bool {
            var offset = 0
            while offset < request.count {
                let sent = request[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }
}
