import Foundation
import Glibc

/// `toolgate serve` as a child process of `bench gateway`, so its resident memory is its own: started from
/// this very binary on a free loopback port, ready once `GET /v1/models` answers 200, stopped with SIGTERM.
final class BenchGatewayServer {
    let port: Int
    private let process: Process
    let logPath: String

    var pid: Int32 { process.processIdentifier }

    /// Starts `toolgate serve` with `arguments` (the listen address is added) and waits until it serves.
    init(arguments: [String], readyWithin timeout: Duration = .seconds(30)) throws {
        port = Self.freePort()
        logPath = NSTemporaryDirectory() + "toolgate-bench-gateway-\(getpid()).log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executablePath())
        process.arguments = ["serve", "--listen", "127.0.0.1:\(port)"] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["TOOLGATE_API_KEYS"] = nil
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while !Self.answers(port: port, path: "/v1/models") {
            guard process.isRunning, ContinuousClock.now < deadline else {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                stop()
                let why = process.isRunning ? "timed out" : "exited"
                throw BenchGatewayError("toolgate serve did not start (\(why)):\n\(log)")
            }
            usleep(20_000)
        }
    }

    /// Resident memory in KiB: all of it (VmRSS), anonymous (heap, stacks) and mapped files (the binary and
    /// shared libraries, whose pages other processes may share).
    struct Memory {
        var resident = 0
        var anonymous = 0
        var files = 0
    }

    /// The child's resident memory now (zeros once it has exited).
    var memory: Memory {
        var memory = Memory()
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return memory }
        for line in status.split(separator: "\n") {
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
            if line.hasPrefix("VmRSS:") { memory.resident = kilobytes }
            if line.hasPrefix("RssAnon:") { memory.anonymous = kilobytes }
            if line.hasPrefix("RssFile:") { memory.files = kilobytes }
        }
        return memory
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: logPath)
    }

    deinit { stop() }

    /// CPU time the child has used so far, user and system, in microseconds (from /proc: 10 ms resolution).
    var cpuMicroseconds: (user: Double, system: Double) {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return (0, 0) }
        // After the command name come the fields from `state` (field 3) on; utime and stime are 14 and 15.
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return (0, 0) }
        let tick = 1e6 / Double(sysconf(Int32(_SC_CLK_TCK)))
        return (user * tick, system * tick)
    }

    /// Context switches of the child's live threads so far (voluntary and not); a thread that exited
    /// takes its count with it, so this is a lower bound.
    var contextSwitches: Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        var total = 0
        for task in tasks {
            guard let status = try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)
            else { continue }
            for line in status.split(separator: "\n") where line.contains("ctxt_switches:") {
                total += Int(line.split(separator: "\t").last ?? "") ?? 0
            }
        }
        return total
    }

    static func residentKilobytes(pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }

    /// This process's own executable (the child runs the same build).
    static func executablePath() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return CommandLine.arguments[0] }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A loopback port that was free a moment ago (bound to port 0, then released).
    static func freePort() -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return 0 }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        return bound ? Int(UInt16(bigEndian: address.sin_port)) : 0
    }

    /// One GET on a fresh connection; true when the status is 200.
    static func answers(port: Int, path: String) -> Bool {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        return exchange(port: port, request: request).map { $0.starts(with: Array("HTTP/1.1 200".utf8)) } ?? false
    }

    /// Sends one request on a fresh connection and returns the whole response (read until the server closes
    /// or a Content-Length response is complete); nil when the connection fails.
    static func exchange(port: Int, request: [UInt8]) -> [UInt8]? {
        let descriptor = HTTPLoadClient.connectLoopback(port: port)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        guard request.withUnsafeBytes({ send(descriptor, $0.baseAddress, $0.count, 0) }) == request.count else {
            return nil
        }
        var received: [UInt8] = []
        var scratch = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += scratch[..<count]
            if received.withUnsafeBytes({ HTTPLoadClient.responseEnd(in: $0) }) != nil { break }
        }
        return received.isEmpty ? nil : received
    }
}

/// Samples a process's VmRSS on a thread until stopped, keeping the peak.
final class BenchGatewayMemorySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    private var running = true
    private let done = DispatchSemaphore(value: 0)

    init(pid: Int32, every interval: Duration = .milliseconds(20)) {
        let micros = useconds_t(interval.components.attoseconds / 1_000_000_000_000)
        let thread = Thread { [self] in
            while lock.withLock({ running }) {
                let rss = BenchGatewayServer.residentKilobytes(pid: pid)
                lock.withLock { peak = max(peak, rss) }
                usleep(micros)
            }
            done.signal()
        }
        thread.start()
    }

    /// Stops sampling; the peak VmRSS seen, in KiB.
    func stop() -> Int {
        lock.withLock { running = false }
        done.wait()
        return lock.withLock { peak }
    }
}

struct BenchGatewayError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
