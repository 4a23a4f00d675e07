import ArgumentParser
import Foundation
import JSON
import ToolParsing

/// `toolgate bench parsers`: whole-text and streaming throughput of each family on a 10 KB output with
/// three calls, next to baselines measured in the same run.
struct BenchParsers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parsers",
        abstract: "Parse a 10 KB output with 3 calls, whole and in 16-byte chunks; compare with JSONSerialization.")

    @OptionGroup var location: ParsersDirectoryOptions

    @Option(help: "Seconds to measure each figure (the best of five rounds is reported).")
    var seconds: Double = 2.0

    @Option(help: "Streaming chunk size in bytes.")
    var chunk: Int = 16

    @Option(help: "Families to measure (default: every family found).")
    var family: [String] = []

    @Option(help: "Measure only this figure (whole, stream, eager or assemble) and skip the baselines, for profiling.")
    var only: String?

    @Option(help: "With --only: run the figure this many times, untimed (for `perf stat`).")
    var iterations: Int?

    func run() throws {
        let registry = location.registry()
        let families = try family.isEmpty ? registry.families : family.map { try registry.family(named: $0) }
        print("workload: ~10 KB of prose with 3 calls in each family's format; streaming in \(chunk)-byte chunks")
        print("whole: the message from the whole text; stream/eager: the deltas of every chunk (what the gateway")
        print("sends); +assemble: those deltas also assembled into the message (what a client does)")
        print("rates: the measuring thread's CPU time, best of 5 rounds (robust to other load on the machine)")
        print("family          bytes  calls   whole MB/s  stream MB/s  eager MB/s  +assemble MB/s  stream/whole time")
        for family in families {
            let text = BenchParsersWorkload.text(for: family)
            let chunks = BenchParsersWorkload.chunks(text, size: chunk)
            let options = ParserOptions(tools: ToolSchemas(tools: BenchParsersWorkload.tools),
                                        ids: ToolCallIDGenerator(seed: 1))
            let calls = family.parse(text, options: options).toolCalls.count
            var eagerOptions = options
            eagerOptions.commit = .eager
            let measure = { (figure: String, body: () -> Void) -> Double in
                guard only == nil || only == figure else { return .nan }
                if let iterations {
                    for _ in 0..<iterations { body() }
                    return .nan
                }
                return bestCPURate(seconds: seconds, body)
            }
            let whole = measure("whole") { _ = family.parse(text, options: options) }
            let stream = measure("stream") { Self.stream(family, chunks, options, assemble: false) }
            let eager = measure("eager") { Self.stream(family, chunks, eagerOptions, assemble: false) }
            let assembled = measure("assemble") { Self.stream(family, chunks, options, assemble: true) }
            let megabytes = Double(text.utf8.count) / 1e6
            print(family.name.padding(toLength: 14, withPad: " ", startingAt: 0)
                + String(format: "%7d %6d", text.utf8.count, calls)
                + formatRate(whole * megabytes) + "  " + formatRate(stream * megabytes) + "  "
                + formatRate(eager * megabytes) + "      " + formatRate(assembled * megabytes)
                + String(format: "  %9.2fx (%.2fx)", whole / stream, whole / assembled))
        }
        guard !families.isEmpty, only == nil || only == "linearity" else { return }
        // Linearity: 1 MB with one call holding half of it, streamed in the same chunks.
        print("linearity: ~1 MB output, one call with a ~0.5 MB argument, \(chunk)-byte chunks")
        for family in families {
            let text = BenchParsersWorkload.longText(for: family)
            let chunks = BenchParsersWorkload.chunks(text, size: chunk)
            var options = ParserOptions(ids: ToolCallIDGenerator(seed: 1))
            let rate = bestCPURate(seconds: seconds / 2, rounds: 2) { Self.stream(family, chunks, options, assemble: false) }
            options.commit = .eager
            let eager = bestCPURate(seconds: seconds / 2, rounds: 2) { Self.stream(family, chunks, options, assemble: false) }
            let megabytes = Double(text.utf8.count) / 1e6
            print(family.name.padding(toLength: 14, withPad: " ", startingAt: 0) + "  stream " + formatRate(rate * megabytes)
                + " MB/s   eager " + formatRate(eager * megabytes) + " MB/s")
        }
        guard only == nil, let first = families.first else { return }
        // Baselines on the same bytes: Foundation and toolgate's JSON module decoding them as one JSON string.
        let text = BenchParsersWorkload.text(for: first)
        let data = Data(("[" + text.jsonQuoted() + "]").utf8)
        let megabytes = Double(data.count) / 1e6
        let foundation = bestCPURate(seconds: seconds) { _ = try? JSONSerialization.jsonObject(with: data) }
        let bytes = Array(data)
        let ours = bestCPURate(seconds: seconds) { _ = try? JSONValue.parse(bytes) }
        print("baseline: JSONSerialization of the same text as a JSON string " + formatRate(foundation * megabytes) + " MB/s")
        print("baseline: toolgate JSON of the same text as a JSON string     " + formatRate(ours * megabytes) + " MB/s")
    }

    /// Feeds the chunks (the gateway turns each chunk's deltas into SSE events); with `assemble`, also
    /// builds the message from the deltas as a client does.
    static func stream(_ family: Family, _ chunks: [String], _ options: ParserOptions, assemble: Bool) {
        var parser = StreamingParser(family: family, options: options)
        var accumulator = DeltaAccumulator()
        var deltas: [ParserDelta] = []
        for chunk in chunks {
            parser.feed(chunk, into: &deltas)
            if assemble { accumulator.apply(deltas) }
            deltas.removeAll(keepingCapacity: true)
        }
        parser.finish(into: &deltas)
        if assemble {
            accumulator.apply(deltas)
            _ = accumulator.message(from: parser)
        }
    }
}
