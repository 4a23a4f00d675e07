import ArgumentParser
import Dispatch
import Foundation
import HTTPServer
import Logging

/// `toolgate bench http`: the HTTP server under keep-alive load from in-process clients, next to libmicrohttpd
/// answering directly from its polling thread (the floor), measured in the same run; SSE streaming throughput;
/// resident memory idle, under load and with many idle connections.
struct BenchHTTP: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Requests/s and latency of the HTTP server vs. bare libmicrohttpd; SSE throughput; RSS.")

    @Option(help: "Seconds per round of each load figure.")
    var seconds: Double = 1

    @Option(help: "Rounds per load figure (interleaved across targets; medians are printed).")
    var rounds: Int = 5

    @Option(help: "Concurrent keep-alive connections for the loaded figure (the other figure uses 1).")
    var connections: Int = 64

    @Option(help: "Client threads for the loaded figure.")
    var clientThreads: Int = 2

    @Option(help: "Events per SSE stream.")
    var events: Int = 100_000

    @Option(help: "Idle connections held open for the memory figure.")
    var idleConnections: Int = 1000

    @Option(help: "libmicrohttpd polling threads (default: the active cores).")
    var threads: Int?

    @Option(help: ArgumentHelp("Serve the bench handlers on this port (and the floor on the next one) until SIGINT or "
                               + "SIGTERM, for an external load generator such as wrk.", valueName: "port"))
    var serve: Int?

    @Flag(help: "With --serve: start handlers on the polling thread (startsHandlersOnPollingThread).")
    var inline = false

    @Flag(help: "Measure only the request figures at the loaded concurrency (for profiling).")
    var serverOnly = false

    static let body = Array(#"{"object":"list","data":[{"id":"model","object":"model"}]}"#.utf8)
    static let event = Array(#"data: {"choices":[{"index":0,"delta":{"content":" token"}}]}"#.utf8 + [10, 10])

    func run() async throws {
        if let serve {
            return try await serveUntilSignalled(port: serve)
        }
        let rssAtStart = residentKilobytes()
        let server = try startServer(port: 0, inline: false)
        try? await Task.sleep(for: .milliseconds(200))
        let rssIdle = residentKilobytes()
        let rssIdleConnections = await holdIdleConnections(server: server)
        let inlineServer = try startServer(port: 0, inline: true)
        let threads = server.configuration.threadCount
        guard let baseline = MHDBaselineServer(threads: threads, body: Self.body, contentType: "application/json")
        else { throw ValidationError("could not start the libmicrohttpd baseline") }
        defer { baseline.stop() }

        print("HTTP server bench: GET, \(Self.body.count)-byte JSON body, keep-alive, loopback, " +
              "\(threads) polling threads, median of \(rounds) interleaved rounds of \(seconds) s")
        print("figure                                   conns      req/s   p50 µs   p99 µs")
        let request = Array("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
        var rssUnderLoad = 0
        let targets = [("libmicrohttpd direct (floor)", baseline.port),
                       ("HTTPServer, handler on the pool", server.port),
                       ("HTTPServer, handler starts inline", inlineServer.port)]
        for concurrency in serverOnly ? [connections] : [1, connections] {
            let clients = concurrency == 1 ? 1 : clientThreads
            // Rounds interleave the targets so a burst of outside load hits all of them alike; medians are shown.
            var rounds = [[HTTPLoadClient.Result]](repeating: [], count: targets.count)
            for _ in 0..<self.rounds {
                for (index, (_, port)) in targets.enumerated() {
                    rounds[index].append(await offload { [seconds] in
                        HTTPLoadClient.run(port: port, connections: concurrency, threads: clients,
                                           seconds: seconds, request: request)
                    })
                    rssUnderLoad = max(rssUnderLoad, residentKilobytes())
                }
            }
            let floor = Figure(rounds[0])
            for (index, (name, _)) in targets.enumerated() {
                let figure = Figure(rounds[index])
                line(name, concurrency, figure)
                if index > 0 {
                    print(String(format: "  %.2fx the floor's req/s; added latency p50 %+.1f µs, p99 %+.1f µs",
                                 figure.requestsPerSecond / floor.requestsPerSecond, figure.p50 - floor.p50,
                                 figure.p99 - floor.p99))
                }
            }
        }
        await inlineServer.shutdown(gracePeriod: .seconds(1))
        if serverOnly {
            await server.shutdown(gracePeriod: .seconds(1))
            return
        }

        try await streamFigures(server: server)
        let rssAfterStreams = residentKilobytes()

        print("resident memory (VmRSS, whole process, MB): at start \(rssAtStart / 1024), server idle " +
              "\(rssIdle / 1024), with \(idleConnections) idle connections \(rssIdleConnections / 1024), " +
              "after request load \(rssUnderLoad / 1024), after the SSE figures \(rssAfterStreams / 1024)")
        await server.shutdown(gracePeriod: .seconds(1))
    }

    private func startServer(port: Int, inline: Bool) throws -> HTTPServer {
        var configuration = HTTPServer.Configuration(host: "127.0.0.1", port: port, logger: Self.silentLogger)
        if let threads { configuration.threadCount = threads }
        configuration.startsHandlersOnPollingThread = inline
        let server = HTTPServer(configuration: configuration, handler: Self.handle)
        try server.start()
        return server
    }

    private func serveUntilSignalled(port: Int) async throws {
        let signals = ShutdownSignals()
        let server = try startServer(port: port, inline: inline)
        guard let floor = MHDBaselineServer(threads: server.configuration.threadCount, body: Self.body,
                                            contentType: "application/json", port: port + 1)
        else { throw ValidationError("could not start the libmicrohttpd baseline on port \(port + 1)") }
        print("HTTPServer on 127.0.0.1:\(server.port), libmicrohttpd floor on 127.0.0.1:\(floor.port); " +
              "VmRSS \(residentKilobytes() / 1024) MB; Ctrl-C stops")
        let signal = await signals.next()
        print("signal \(signal): VmRSS \(residentKilobytes() / 1024) MB; shutting down")
        await server.shutdown(gracePeriod: .seconds(5))
        floor.stop()
    }

    private func streamFigures(server: HTTPServer) async throws {
        print("SSE: one stream of \(events) events of \(Self.event.count) bytes, read to its last chunk")
        print("figure                                 events/s  µs/event      MB/s")
        let figures = [("one .bytes body with all events (floor)", "/sse-whole"),
                       ("stream, producer writes in a loop", "/sse-burst"),
                       ("stream, producer yields per event", "/sse-yield")]
        for (name, path) in figures {
            guard let result = await offload({ [server, events] in
                HTTPLoadClient.drainStream(port: server.port, target: "\(path)?events=\(events)")
            }) else {
                throw ValidationError("stream \(path) failed")
            }
            let rate = Double(events) / result.seconds
            print(name.padding(toLength: 38, withPad: " ", startingAt: 0)
                  + String(format: "%10.0f %9.2f %9.1f", rate, 1e6 / rate, Double(result.bytes) / result.seconds / 1e6))
        }
    }

    private func holdIdleConnections(server: HTTPServer) async -> Int {
        let descriptors = await offload { [idleConnections, port = server.port] in
            (0..<idleConnections).map { _ in HTTPLoadClient.connectLoopback(port: port) }.filter { $0 >= 0 }
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while server.stats.openConnections < descriptors.count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let rss = residentKilobytes()
        for descriptor in descriptors { close(descriptor) }
        return rss
    }

    private func line(_ name: String, _ concurrency: Int, _ figure: Figure) {
        let errors = figure.errors > 0 ? "  (\(figure.errors) errors)" : ""
        print(name.padding(toLength: 38, withPad: " ", startingAt: 0)
              + String(format: "%8d %10.0f %8.1f %8.1f", concurrency, figure.requestsPerSecond, figure.p50,
                       figure.p99) + errors)
    }

    /// The median over rounds of each number.
    struct Figure {
        var requestsPerSecond: Double
        var p50: Double
        var p99: Double
        var errors: Int

        init(_ rounds: [HTTPLoadClient.Result]) {
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            requestsPerSecond = median(rounds.map(\.requestsPerSecond))
            p50 = median(rounds.map { $0.percentile(0.5) })
            p99 = median(rounds.map { $0.percentile(0.99) })
            errors = rounds.map(\.errors).reduce(0, +)
        }
    }

    @Sendable
    static func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let count = request.query.flatMap { Int($0.dropFirst("events=".count)) } ?? 0
        let sse: HTTPHeaders = ["Content-Type": "text/event-stream", "Cache-Control": "no-cache"]
        switch request.path {
        case "/sse-whole":
            var all: [UInt8] = []
            all.reserveCapacity(count * event.count)
            for _ in 0..<count { all += event }
            return HTTPResponse(headers: sse, body: .bytes(all))
        case "/sse-burst":
            return HTTPResponse(headers: sse, body: .stream { writer in
                for _ in 0..<count { writer.write(event) }
            })
        case "/sse-yield":
            return HTTPResponse(headers: sse, body: .stream { writer in
                for _ in 0..<count {
                    writer.write(event)
                    await Task.yield()
                }
            })
        default:
            return HTTPResponse(headers: ["Content-Type": "application/json"], body: .bytes(body))
        }
    }

    static let silentLogger = Logger(label: "bench-http") { _ in SwiftLogNoOpLogHandler() }
}

/// Runs blocking client work on a Dispatch thread, keeping the Swift concurrency pool free for the server's
/// handlers.
private func offload<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}

/// VmRSS of this process in KiB (0 if /proc is unreadable).
func residentKilobytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}
