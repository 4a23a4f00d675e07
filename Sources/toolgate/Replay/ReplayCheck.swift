import Foundation
import JSON
import ToolParsing

/// `--check`: how a parsed message is compared with a line's expectation. Arguments compare as JSON
/// values; content and reasoning after trimming whitespace, with null, "" and absent equal; content
/// only when the line asserts it.
enum ReplayCheck {
    /// What differs, one sentence each; empty when the case passes.
    static func differences(_ message: ParsedMessage, _ replayCase: ReplayCase) -> [String] {
        guard let expected = replayCase.expected, case .object(let object) = expected else {
            return ["the line has no 'expected' result"]
        }
        var problems: [String] = []
        let expectedCalls = object["tool_calls"]?.arrayValue ?? []
        if expectedCalls.count != message.toolCalls.count {
            problems.append("expected \(expectedCalls.count) tool call(s), got \(message.toolCalls.count)"
                + (message.toolCalls.isEmpty ? "" : " (\(message.toolCalls.map(\.name).joined(separator: ", ")))"))
        } else {
            for (n, (want, got)) in zip(expectedCalls, message.toolCalls).enumerated() {
                let name = want["name"]?.stringValue ?? want["function"]?["name"]?.stringValue
                if name != got.name {
                    problems.append("call \(n): expected name \(name ?? "nil"), got \(got.name)")
                }
                let wantArguments = arguments(want["arguments"] ?? want["function"]?["arguments"])
                let gotArguments = try? JSONParser().parse(got.arguments)
                if wantArguments != gotArguments {
                    problems.append("call \(n) (\(got.name)): expected arguments \(wantArguments?.serialized() ?? "nil"), "
                        + "got \(got.arguments)")
                }
            }
        }
        if replayCase.contentAsserted {
            let want = normalized(object["content"]?.stringValue)
            let got = normalized(message.content)
            if want != got { problems.append("expected content \(quoted(want)), got \(quoted(got))") }
        }
        if let fragment = replayCase.contentContains, !(message.content ?? "").contains(fragment) {
            problems.append("content \(quoted(normalized(message.content))) does not contain \(quoted(fragment))")
        }
        if let reasoning = replayCase.expectedReasoning {
            let want = normalized(reasoning.stringValue)
            let got = normalized(message.reasoningContent)
            if want != got { problems.append("expected reasoning \(quoted(want)), got \(quoted(got))") }
        }
        return problems
    }

    /// Expected arguments are an object, or JSON text (a string that is not JSON is itself the value, as
    /// when a peer expects `json.loads(arguments) == "hello"`).
    private static func arguments(_ value: JSONValue?) -> JSONValue? {
        if case .string(let text)? = value { return (try? JSONParser().parse(text)) ?? .string(text) }
        return value ?? .object([:])
    }

    private static func normalized(_ text: String?) -> String {
        (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func quoted(_ text: String) -> String {
        text.jsonQuoted()
    }

    /// Where a streamed message differs from the whole-text one (ids, names, arguments text, content,
    /// reasoning); empty when equal.
    static func streamDifferences(_ streamed: ParsedMessage, _ whole: ParsedMessage) -> [String] {
        var problems: [String] = []
        if streamed.content != whole.content {
            problems.append("streamed content \(quoted(streamed.content ?? "null")) differs from whole-text "
                + quoted(whole.content ?? "null"))
        }
        if streamed.reasoningContent != whole.reasoningContent {
            problems.append("streamed reasoning differs from whole-text")
        }
        let strip = { (calls: [ParsedToolCall]) in calls.map { "\($0.index) \($0.id) \($0.name) \($0.arguments)" } }
        if strip(streamed.toolCalls) != strip(whole.toolCalls) {
            problems.append("streamed calls \(strip(streamed.toolCalls)) differ from whole-text \(strip(whole.toolCalls))")
        }
        return problems
    }
}
