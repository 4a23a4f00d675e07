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

    @Option(help: "Seconds to measure each figure.")
    var seconds: Double = 1.0

    @Option(help: "Streaming chunk size in bytes.")
    var chunk: Int = 16

    @Option(help: "Families to measure (default: every family found).")
    var family: [String] = []

    @Option(help: "Measure only this figure (whole, stream or eager) and skip the baselines, for profiling.")
    var only: String?

    func run() throws {
        let registry = location.registry()
        let families = try family.isEmpty ? registry.families : family.map { try registry.family(named: $0) }
        print("workload: ~10 KB of prose with 3 calls in each family's format; streaming in \(chunk)-byte chunks")
        print("family          bytes  calls   whole MB/s  stream MB/s  eager MB/s  stream/whole time")
        for family in families {
            let text = BenchParsersWorkload.text(for: family)
            let chunks = BenchParsersWorkload.chunks(text, size: chunk)
            let options = ParserOptions(tools: ToolSchemas(tools: BenchParsersWorkload.tools),
                                        ids: ToolCallIDGenerator(seed: 1))
            let calls = family.parse(text, options: options).toolCalls.count
            var eagerOptions = options
            eagerOptions.commit = .eager
            let measure = { (figure: String, body: () -> Void) -> Double in
                only == nil || only == figure ? operationsPerSecond(seconds: seconds, body) : .nan
            }
            let whole = measure("whole") { _ = family.parse(text, options: options) }
            let stream = measure("stream") { _ = Self.stream(family, chunks, options) }
            let eager = measure("eager") { _ = Self.stream(family, chunks, eagerOptions) }
            let megabytes = Double(text.utf8.count) / 1e6
            print(family.name.padding(toLength: 14, withPad: " ", startingAt: 0)
                + String(format: "%7d %6d", text.utf8.count, calls)
                + formatRate(whole * megabytes) + "  " + formatRate(stream * megabytes) + "  "
                + formatRate(eager * megabytes) + String(format: "  %12.2fx", whole / stream))
        }
        // Baselines on the same bytes: Foundation and toolgate's JSON module decoding them as one JSON string.
        guard let first = families.first, only == nil else { return }
        let text = BenchParsersWorkload.text(for: first)
        let data = Data(("[" + text.jsonQuoted() + "]").utf8)
        let megabytes = Double(data.count) / 1e6
        let foundation = operationsPerSecond(seconds: seconds) { _ = try? JSONSerialization.jsonObject(with: data) }
        let bytes = Array(data)
        let ours = operationsPerSecond(seconds: seconds) { _ = try? JSONValue.parse(bytes) }
        print("baseline: JSONSerialization of the same text as a JSON string " + formatRate(foundation * megabytes) + " MB/s")
        print("baseline: toolgate JSON of the same text as a JSON string     " + formatRate(ours * megabytes) + " MB/s")
    }

    /// Feeds the chunks and assembles the message, as the gateway does for a stream.
    static func stream(_ family: Family, _ chunks: [String], _ options: ParserOptions) -> ParsedMessage {
        var parser = StreamingParser(family: family, options: options)
        var accumulator = DeltaAccumulator()
        for chunk in chunks { accumulator.apply(parser.feed(chunk)) }
        accumulator.apply(parser.finish())
        return accumulator.message(from: parser)
    }
}
