import JSON
import ToolParsing

/// One input line of `toolgate replay`: a raw model output and, optionally, what it should parse to.
/// Capture lines written by the gateway (`prompt`, `model`, …) are read the same way; unknown keys are
/// ignored.
struct ReplayCase {
    /// The line's `id`, or its 1-based line number.
    let id: JSONValue
    let lineNumber: Int
    let text: String
    let tools: ToolSchemas
    /// `toolgate_expected` when the line has it (our own expectation where a peer's is wrong), else `expected`.
    let expected: JSONValue?
    let contentAsserted: Bool
    let contentContains: String?
    let expectedReasoning: JSONValue?
    let prompt: String?

    enum LineError: Error, CustomStringConvertible {
        case notJSON(String)
        case notAnObject
        case noText

        var description: String {
            switch self {
            case .notJSON(let reason): return "the line is not JSON: \(reason)"
            case .notAnObject: return "the line is not a JSON object"
            case .noText: return "the line has no string 'text'"
            }
        }
    }

    /// Reads a line; on error, also returns the id to report it under.
    static func read(_ line: String, lineNumber: Int) -> Result<ReplayCase, ReplayLineFailure> {
        let fallbackID = JSONValue.number(JSONNumber(lineNumber))
        let value: JSONValue
        do {
            value = try JSONParser().parse(line)
        } catch {
            return .failure(ReplayLineFailure(id: fallbackID, error: .notJSON("\(error)")))
        }
        guard case .object(let object) = value else {
            return .failure(ReplayLineFailure(id: fallbackID, error: .notAnObject))
        }
        let id = object["id"] ?? fallbackID
        guard case .string(let text)? = object["text"] else {
            return .failure(ReplayLineFailure(id: id, error: .noText))
        }
        return .success(ReplayCase(
            id: id, lineNumber: lineNumber, text: text, tools: ToolSchemas(tools: object["tools"]),
            expected: object["toolgate_expected"] ?? object["expected"],
            contentAsserted: object["content_asserted"]?.boolValue ?? true,
            contentContains: object["content_contains"]?.stringValue,
            expectedReasoning: object["expected_reasoning"], prompt: object["prompt"]?.stringValue))
    }
}

struct ReplayLineFailure: Error {
    let id: JSONValue
    let error: ReplayCase.LineError
}
