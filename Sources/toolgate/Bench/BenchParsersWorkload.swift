import JSON
import ToolParsing

/// A realistic model output for `toolgate bench parsers`: about 10 KB of prose (markdown, code, some
/// braces and angle brackets, as assistants write) with three calls in the family's own wire format.
enum BenchParsersWorkload {
    static let calls: [(name: String, arguments: String)] = [
        ("get_weather", #"{"city": "San Francisco, CA", "unit": "celsius", "days": 5, "include_hourly": true}"#),
        ("write_file", #"{"path": "src/main.py", "content": "import sys\n\ndef main(argv):\n    \"\"\"Entry point.\"\"\"\n    for arg in argv[1:]:\n        print(f\"arg: {arg}\")\n    return 0\n\nif __name__ == \"__main__\":\n    sys.exit(main(sys.argv))\n", "overwrite": false}"#),
        ("search_web", #"{"query": "incremental JSON parsing state machine", "limit": 10, "filters": {"lang": "en", "after": "2024-01-01"}, "sites": ["github.com", "arxiv.org"]}"#),
    ]

    static let tools: JSONValue = .array(calls.map { call in
        var properties = JSONObject()
        if case .object(let arguments)? = try? JSONParser().parse(call.arguments) {
            for entry in arguments {
                let type: String
                switch entry.value {
                case .string: type = "string"
                case .number(let n): type = n.isInteger ? "integer" : "number"
                case .bool: type = "boolean"
                case .array: type = "array"
                case .object: type = "object"
                case .null: type = "null"
                }
                properties[entry.key] = ["type": .string(type)]
            }
        }
        return ["type": "function", "function": ["name": .string(call.name),
                                                 "parameters": ["type": "object", "properties": .object(properties)]]]
    })

    static let paragraph = """
        Here is what I found after looking through the repository. The parser keeps a small buffer and scans \
        only the bytes it has not seen yet, so a long answer costs the same per byte as a short one. When the \
        model writes `a < b` or uses a dictionary like {"key": value} in prose, nothing is mistaken for a call, \
        because a call needs its own start marker followed by a body that reads as one.

        - First, check the configuration file (config.yaml) and make sure the port is free.
        - Second, run the tests with `swift test` and look at the summary line.
        - Third, if something fails, read the diagnostics: each one names the bytes and the reason.

        ```swift
        let total = values.reduce(0, +)
        print("total: \\(total)")
        ```


        """

    /// Prose of about `size` bytes with the three calls spread through it.
    static func text(for family: Family, size: Int = 10_240) -> String {
        let rendered = calls.map { family.render(calls: [$0]) }
        let proseBudget = size - rendered.reduce(0) { $0 + $1.utf8.count }
        var prose = ""
        while prose.utf8.count < proseBudget { prose += paragraph }
        let words = Array(prose.utf8.prefix(max(0, proseBudget)))
        let third = words.count / 3
        func piece(_ range: Range<Int>) -> String { String(decoding: words[range], as: UTF8.self) }
        return piece(0..<third) + rendered[0] + "\n" + piece(third..<(2 * third)) + rendered[1] + "\n" + rendered[2]
            + "\n" + piece((2 * third)..<words.count)
    }

    /// About 1 MB: prose around one call whose string argument is about half of it, to show the
    /// parser stays linear when one call is long (no rescanning of what was seen).
    static func longText(for family: Family) -> String {
        let code = String(repeating: "    let value = compute(index) // keep going\n", count: 12_000)
        let arguments = JSONValue.object(["path": "big.swift", "content": .string(code)]).serialized()
        var prose = ""
        while prose.utf8.count < 500_000 { prose += paragraph }
        return prose + family.render(calls: [("write_file", arguments)]) + "\nDone."
    }

    /// The text cut into chunks of about `size` bytes, never inside a UTF-8 sequence.
    static func chunks(_ text: String, size: Int) -> [String] {
        var chunks: [String] = []
        var current = String.UnicodeScalarView()
        var bytes = 0
        for scalar in text.unicodeScalars {
            current.append(scalar)
            bytes += String(scalar).utf8.count
            if bytes >= size {
                chunks.append(String(current))
                current = String.UnicodeScalarView()
                bytes = 0
            }
        }
        if !current.isEmpty { chunks.append(String(current)) }
        return chunks
    }
}
