import ArgumentParser
import Foundation
import JSON

/// `toolgate bench json`: parse and write a ~30 KB chat request, next to Foundation (and Python
/// when it is installed) measured in the same run.
struct BenchJSON: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json",
        abstract: "Parse/serialize a 30 KB chat request; compare with JSONSerialization (and Python json/orjson).")

    @Option(help: "Seconds to measure each figure.")
    var seconds: Double = 1.0

    @Flag(help: ArgumentHelp("Print the workload and exit.", visibility: .hidden))
    var dumpWorkload = false

    @Option(help: ArgumentHelp("Only loop the toolgate parser for this many seconds (for profilers).", visibility: .hidden))
    var profileParse: Double?

    func run() throws {
        let text = ChatRequestWorkload.make().serialized(.python)
        let bytes = Array(text.utf8)
        if dumpWorkload {
            print(text)
            return
        }
        if let profileParse {
            print(formatRate(operationsPerSecond(seconds: profileParse) { _ = try? JSONValue.parse(bytes) }))
            return
        }
        let data = Data(bytes)
        let value = try JSONValue.parse(bytes)
        print("workload: chat request, \(bytes.count) bytes, 20 messages, 10 tools")
        print("figure                              ops/s      MB/s")
        func line(_ name: String, _ rate: Double) {
            let mbps = rate * Double(bytes.count) / 1e6
            print(name.padding(toLength: 30, withPad: " ", startingAt: 0) + formatRate(rate) + "  " + formatRate(mbps))
        }
        let parse = operationsPerSecond(seconds: seconds) { _ = try? JSONValue.parse(bytes) }
        line("toolgate JSON parse", parse)
        let foundationParse = operationsPerSecond(seconds: seconds) {
            _ = try? JSONSerialization.jsonObject(with: data)
        }
        line("JSONSerialization parse", foundationParse)
        let write = operationsPerSecond(seconds: seconds) { _ = value.serialized(.compact) }
        line("toolgate JSON write", write)
        let object = try JSONSerialization.jsonObject(with: data)
        let foundationWrite = operationsPerSecond(seconds: seconds) {
            _ = try? JSONSerialization.data(withJSONObject: object)
        }
        line("JSONSerialization write", foundationWrite)
        var pythonFigures: [(String, Double)] = []
        let escaped = text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'''", with: "\\'\\'\\'")
        for (name, module, call) in [("python json.loads", "json", "json.loads(s)"),
                                     ("python orjson.loads", "orjson", "orjson.loads(s)")] {
            let script = """
            import \(module), time
            s = '''\(escaped)'''
            n = 0; t0 = time.perf_counter()
            while time.perf_counter() - t0 < \(seconds):
                for _ in range(100): \(call)
                n += 100
            print(n / (time.perf_counter() - t0))
            """
            if let rate = pythonRate(script) {
                line(name, rate)
                pythonFigures.append((name, rate))
            }
        }
        print(String(format: "parse ratio vs JSONSerialization: %.1fx", parse / foundationParse))
        for (name, rate) in pythonFigures {
            print(String(format: "parse ratio vs %@: %.2fx", name, parse / rate))
        }
        print(String(format: "write ratio vs JSONSerialization: %.1fx", write / foundationWrite))
    }
}
