import Foundation
import JSON
import Testing
import ToolParsing

/// Compares the writer's `.python` format with Python's own `json.dumps(json.loads(x), ensure_ascii=False)`
/// over generated documents: the reference chat-template engine prints `tojson` exactly that way.
@Suite("JSON against Python's json module")
struct PythonJSONDifferentialTests {
    static let python: URL? = {
        for path in ["/usr/bin/python3", "/usr/local/bin/python3"] where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        return nil
    }()

    @Test("python format equals json.dumps for generated documents", .enabled(if: python != nil, "python3 is not installed"))
    func differential() throws {
        var rng = SplitMix64(seed: 2024)
        let documents = (0..<300).map { _ in Self.randomValue(&rng, depth: 0).serialized() }
        let input = documents.joined(separator: "\n")
        let script = """
        import json, sys
        for line in sys.stdin.read().split("\\n"):
            print(json.dumps(json.loads(line), ensure_ascii=False))
            print(json.dumps(json.dumps(json.loads(line), ensure_ascii=True, sort_keys=True, indent=2)))
        """
        let output = try runPython(script, input: input)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        for (i, document) in documents.enumerated() {
            let value = try JSONValue.parse(document)
            #expect(value.serialized(.python) == String(lines[2 * i]), "document \(i): \(document)")
            var pretty = JSONFormat.python
            pretty.itemSeparator = ","
            pretty.indent = 2
            pretty.ensureASCII = true
            pretty.sortKeys = true
            let expected = try JSONValue.parse(String(lines[2 * i + 1])).stringValue
            #expect(value.serialized(pretty) == expected, "document \(i) pretty")
        }
    }

    static func randomValue(_ rng: inout SplitMix64, depth: Int) -> JSONValue {
        let pick = rng.next() % (depth > 3 ? 5 : 7)
        switch pick {
        case 0: return .null
        case 1: return .bool(rng.next() % 2 == 0)
        case 2:
            let literals = ["0", "-0", "7", "-123456789012345678901234567890", "1.5", "1e-05", "2E10", "0.1", "100.0",
                            "1e16", "1e15", "3.14159265358979", "-2.5e-300", "6.02e23"]
            return .number(JSONNumber(literal: literals[Int(rng.next() % UInt64(literals.count))]) ?? JSONNumber(0))
        case 3, 4:
            let pieces = ["a", "Zürich", "東京", "😀", "\"", "\\", "\n", "\t", "\u{1}", "\u{7f}", " ", "key", "é", "\u{2028}"]
            let count = Int(rng.next() % 6)
            return .string((0..<count).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined())
        case 5:
            return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            var object = JSONObject()
            for _ in 0..<Int(rng.next() % 5) {
                let key = ["b", "a", "é", "Z", "aa", "_", "1"][Int(rng.next() % 7)] + String(rng.next() % 3)
                object[key] = randomValue(&rng, depth: depth + 1)
            }
            return .object(object)
        }
    }

    func runPython(_ script: String, input: String) throws -> String {
        let process = Process()
        process.executableURL = Self.python
        process.arguments = ["-c", script]
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
