import ArgumentParser
import Backends
import ChatTemplate
import Dispatch
import FakeBackend
import Foundation
import JSON
import ToolParsing

/// `toolgate bench gateway`: what the gateway adds. The same client, concurrency and request shape go
/// (a) straight to an instant fake llama.cpp backend's `/completion`, with the prompt toolgate would render,
/// and (b) through `toolgate serve` (a child process) as `/v1/chat/completions`, which renders the
/// conversation, calls the same backend and parses its output's tool call. Rounds interleave (a) and (b)
/// so outside load hits both alike; medians over rounds are printed, with the targets this project holds.
struct BenchGateway: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Added latency, requests/s and RSS of toolgate serve vs. the same load straight at the backend.")

    @Option(help: "Seconds per round of each load figure.")
    var seconds: Double = 2

    @Option(help: "Rounds per figure (interleaved across the two targets; medians are printed).")
    var rounds: Int = 5

    @Option(help: "Concurrent keep-alive connections for the loaded figure (the other figure uses 1).")
    var connections: Int = 64

    @Option(help: "Client threads for the loaded figure.")
    var clientThreads: Int = 2

    @Option(help: "Streamed requests per round for the time-to-first-event figure.")
    var streams: Int = 300

    @Option(help: "The chat template toolgate renders with (Qwen 2.5's, for hermes calls).")
    var template = "Tests/Fixtures/templates/Qwen-Qwen2.5-7B-Instruct.jinja"

    @OptionGroup var location: ParsersDirectoryOptions

    func run() async throws {
        guard FileManager.default.fileExists(atPath: template) else {
            throw ValidationError("no chat template at \(template): run from the repository root or give --template")
        }
        let prompt = try renderedPrompt()
        let fake = try FakeBackend(defaultReply: FakeReply(BenchGatewayWorkload.output, pieceCharacters: 4),
                                   recordRequests: false)
        defer { fake.stop() }
        var arguments = ["--backend", fake.baseURL, "--dialect", "llamacpp", "--template", template,
                         "--parser", "hermes", "--model-name", BenchGatewayWorkload.modelName, "--log-level", "error"]
        for directory in location.directories { arguments += ["--parsers-dir", directory] }
        let gateway = try BenchGatewayServer(arguments: arguments)
        defer { gateway.stop() }
        try? await Task.sleep(for: .milliseconds(300))
        let memoryAtStart = gateway.memory

        let post = BenchGatewayWorkload.post
        let direct = Target(name: "direct to the backend", port: fake.port,
                            whole: post("/completion", try backendBody(prompt, stream: false)),
                            streamed: post("/completion", try backendBody(prompt, stream: true)))
        let through = Target(name: "through toolgate", port: gateway.port,
                             whole: post("/v1/chat/completions", BenchGatewayWorkload.chatBody(stream: false)),
                             streamed: post("/v1/chat/completions", BenchGatewayWorkload.chatBody(stream: true)))
        try checkAnswers(direct: direct, through: through)

        print("gateway bench: toolgate serve (pid \(gateway.pid), hermes, llama.cpp dialect) in front of an instant "
              + "fake backend (in this process), loopback, \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("request: chat body \(BenchGatewayWorkload.chatBody(stream: false).count) B, rendered prompt "
              + "\(prompt.utf8.count) B; backend output \(BenchGatewayWorkload.output.utf8.count) B with one tool call")
        print("median of \(rounds) interleaved rounds of \(seconds) s per figure")
        for target in [direct, through] { _ = await load(target, concurrency: 1, seconds: 0.5) }
        let memoryIdle = gateway.memory

        let (added, peak) = await loadFigures(direct: direct, through: through, gateway: gateway)
        try await streamFigures(direct: direct, through: through)

        try? await Task.sleep(for: .seconds(1))
        let memoryAfter = gateway.memory
        print("")
        print("toolgate memory (VmRSS of the serve process, MB; anonymous + mapped files, mostly shared libraries):")
        for (name, memory) in [("at start", memoryAtStart), ("idle after warm-up", memoryIdle),
                               ("idle after the load", memoryAfter)] {
            print("  " + name.padding(toLength: 22, withPad: " ", startingAt: 0)
                  + String(format: "%6.1f = %5.1f + %5.1f", mb(memory.resident), mb(memory.anonymous),
                           mb(memory.files)))
        }
        print(String(format: "  peak under load       %6.1f", mb(peak)))
        if let table = callTable(port: gateway.port) {
            print(String(format: "  (the call table holds %.0f calls in %.1f MB: every response with a call records "
                         + "its raw turn, up to the configured cap)", table.calls, table.bytes / 1_048_576))
        }
        print("")
        print("targets (2-core machine):")
        verdict("added p50 at concurrency 1 <= 0.5 ms", added.p50 / 1000, limit: 0.5, unit: "ms")
        verdict("added p99 at concurrency 1 <= 2 ms", added.p99 / 1000, limit: 2, unit: "ms")
        verdict("idle RSS <= 30 MB (after warm-up)", mb(memoryIdle.resident), limit: 30, unit: "MB")
    }

    /// Requests/s and latency at concurrency 1 and `connections`, both ways; returns the added p50 and p99 at
    /// concurrency 1 and the peak RSS seen while toolgate was loaded.
    private func loadFigures(direct: Target, through: Target,
                             gateway: BenchGatewayServer) async -> (added: (p50: Double, p99: Double), peak: Int)
    {
        print("")
        print("figure                          conns      req/s    p50 µs    p99 µs")
        var added = (p50: Double.nan, p99: Double.nan)
        var peak = 0
        for concurrency in [1, connections] {
            var results: [[HTTPLoadClient.Result]] = [[], []]
            var costs: [RequestCost] = []
            for _ in 0..<rounds {
                results[0].append(await load(direct, concurrency: concurrency, seconds: seconds))
                let sampler = BenchGatewayMemorySampler(pid: gateway.pid)
                let before = RequestCost(gateway)
                let result = await load(through, concurrency: concurrency, seconds: seconds)
                costs.append(RequestCost(gateway).since(before, requests: result.requests))
                results[1].append(result)
                peak = max(peak, sampler.stop())
            }
            let floor = BenchHTTP.Figure(results[0])
            let ours = BenchHTTP.Figure(results[1])
            line(direct.name, concurrency, floor)
            line(through.name, concurrency, ours)
            if concurrency == 1 { added = (ours.p50 - floor.p50, ours.p99 - floor.p99) }
            print(String(format: "  added latency p50 %+.0f µs, p99 %+.0f µs; requests/s %.2fx the direct figure",
                         ours.p50 - floor.p50, ours.p99 - floor.p99, ours.requestsPerSecond / floor.requestsPerSecond))
            let cost = RequestCost.median(costs)
            print(String(format: "  toolgate per request: CPU %.0f µs (user %.0f, system %.0f), %.1f context switches",
                         cost.user + cost.system, cost.user, cost.system, cost.switches))
        }
        return (added, peak)
    }

    /// Time to the first streamed event (and to the end of the stream), sequential, both ways.
    private func streamFigures(direct: Target, through: Target) async throws {
        print("")
        print("streamed, sequential (\(streams) per round)   first event p50 µs   p99 µs    whole stream p50 µs")
        var streamed: [[[BenchGatewayStreamClient.Timing]]] = [[], []]
        for _ in 0..<rounds {
            for (index, target) in [direct, through].enumerated() {
                guard let timings = await offloadBench({ [streams] in
                    BenchGatewayStreamClient.run(port: target.port, request: target.streamed, count: streams)
                }) else { throw BenchGatewayError("the streamed requests to \(target.name) failed") }
                streamed[index].append(timings)
            }
        }
        let figures = streamed.map { rounds in StreamFigure(rounds) }
        for (index, target) in [direct, through].enumerated() {
            print(target.name.padding(toLength: 38, withPad: " ", startingAt: 0)
                  + String(format: "%18.0f %8.0f %22.0f", figures[index].firstP50, figures[index].firstP99,
                           figures[index].totalP50))
        }
        print(String(format: "  added time to first event p50 %+.0f µs, p99 %+.0f µs",
                     figures[1].firstP50 - figures[0].firstP50, figures[1].firstP99 - figures[0].firstP99))
    }

    private struct Target {
        var name: String
        var port: Int
        var whole: [UInt8]
        var streamed: [UInt8]
    }

    /// What the serve process spent per request in a round (CPU from /proc at 10 ms resolution).
    private struct RequestCost {
        var user: Double
        var system: Double
        var switches: Double

        init(user: Double, system: Double, switches: Double) {
            self.user = user
            self.system = system
            self.switches = switches
        }

        /// The process's totals so far.
        init(_ server: BenchGatewayServer) {
            let cpu = server.cpuMicroseconds
            self.init(user: cpu.user, system: cpu.system, switches: Double(server.contextSwitches))
        }

        func since(_ start: RequestCost, requests: Int) -> RequestCost {
            let n = Double(max(1, requests))
            return RequestCost(user: (user - start.user) / n, system: (system - start.system) / n,
                               switches: (switches - start.switches) / n)
        }

        static func median(_ costs: [RequestCost]) -> RequestCost {
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            return RequestCost(user: median(costs.map(\.user)), system: median(costs.map(\.system)),
                               switches: median(costs.map(\.switches)))
        }
    }

    private struct StreamFigure {
        var firstP50: Double
        var firstP99: Double
        var totalP50: Double

        init(_ rounds: [[BenchGatewayStreamClient.Timing]]) {
            func percentile(_ values: [Double], _ fraction: Double) -> Double {
                let sorted = values.sorted()
                return sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))]
            }
            func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
            firstP50 = median(rounds.map { percentile($0.map(\.firstEvent), 0.5) })
            firstP99 = median(rounds.map { percentile($0.map(\.firstEvent), 0.99) })
            totalP50 = median(rounds.map { percentile($0.map(\.total), 0.5) })
        }
    }

    /// The prompt toolgate renders for the workload (so the direct requests carry the same bytes).
    private func renderedPrompt() throws -> String {
        let templates = try TemplateSource.load(path: template)
        let input = ChatRenderInput(messages: BenchGatewayWorkload.messages, tools: BenchGatewayWorkload.tools,
                                    addGenerationPrompt: true, specialTokens: templates.specialTokens)
        return try templates.select(hasTools: true).render(input)
    }

    /// The llama.cpp request body toolgate sends for the workload.
    private func backendBody(_ prompt: String, stream: Bool) throws -> [UInt8] {
        let family = try location.registry().family(named: "hermes")
        var preserved = family.stopStrings
        if let markers = family.reasoning { preserved += [markers.start, markers.end] }
        let request = CompletionRequest(prompt: prompt, model: BenchGatewayWorkload.modelName, maxTokens: 512,
                                        stream: stream, preservedTokens: preserved)
        return try LlamaCppDialect().httpRequest(for: request).body
    }

    /// Both targets answer, and toolgate's answer carries the parsed call (so the figures measure real work).
    private func checkAnswers(direct: Target, through: Target) throws {
        guard let backend = BenchGatewayServer.exchange(port: direct.port, request: direct.whole),
              backend.starts(with: Array("HTTP/1.1 200".utf8)) else {
            throw BenchGatewayError("the fake backend did not answer 200")
        }
        guard let answer = BenchGatewayServer.exchange(port: through.port, request: through.whole) else {
            throw BenchGatewayError("toolgate did not answer")
        }
        let text = String(decoding: answer, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200"), text.contains(#""finish_reason":"tool_calls""#),
              text.contains(#""name":"get_weather""#) else {
            throw BenchGatewayError("toolgate's answer is not a tool call:\n\(text)")
        }
    }

    /// The call table's size from `/metrics`.
    private func callTable(port: Int) -> (calls: Double, bytes: Double)? {
        let request = Array("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard let response = BenchGatewayServer.exchange(port: port, request: request) else { return nil }
        var values: [String: Double] = [:]
        for line in String(decoding: response, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { values[String(parts[0])] = value }
        }
        guard let calls = values["toolgate_call_table_entries"], let bytes = values["toolgate_call_table_bytes"] else {
            return nil
        }
        return (calls, bytes)
    }

    private func load(_ target: Target, concurrency: Int, seconds: Double) async -> HTTPLoadClient.Result {
        let threads = concurrency == 1 ? 1 : clientThreads
        return await offloadBench {
            HTTPLoadClient.run(port: target.port, connections: concurrency, threads: threads, seconds: seconds,
                               request: target.whole)
        }
    }

    private func line(_ name: String, _ concurrency: Int, _ figure: BenchHTTP.Figure) {
        let errors = figure.errors > 0 ? "  (\(figure.errors) errors)" : ""
        print(name.padding(toLength: 30, withPad: " ", startingAt: 0)
              + String(format: "%7d %10.0f %9.0f %9.0f", concurrency, figure.requestsPerSecond, figure.p50, figure.p99)
              + errors)
    }

    private func verdict(_ what: String, _ value: Double, limit: Double, unit: String) {
        let met = value <= limit ? "met" : "MISSED"
        print("  " + what.padding(toLength: 40, withPad: " ", startingAt: 0) + String(format: "%8.2f ", value)
              + "\(unit)  \(met)")
    }

    private func mb(_ kilobytes: Int) -> Double { Double(kilobytes) / 1024 }
}

/// Runs blocking client work on a Dispatch thread, keeping the Swift concurrency pool free.
private func offloadBench<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: body()) }
    }
}
