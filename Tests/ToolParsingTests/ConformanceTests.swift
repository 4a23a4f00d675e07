import Foundation
import JSON
import Testing
@testable import ToolParsing

/// The same cases for every family, written in each family's own wire format by its `render`: no call,
/// one, parallel, types, empty arguments, text around, escapes, unicode, malformed, truncated. Each is
/// parsed whole and streamed (validated and eager) under every chunking, and must give the same calls.
@Suite("Conformance")
struct ConformanceTests {
    enum Case: String, CaseIterable, CustomTestStringConvertible {
        case none, one, parallel, types, emptyArguments, textAround, escapes, unicode, malformed, truncated

        var testDescription: String { rawValue }
    }

    typealias Call = (name: String, arguments: JSONValue)

    static let weather: Call = ("get_weather", ["city": "Paris", "days": 3])
    static let search: Call = ("search_web", ["query": "swift state machines", "limit": 5])
    static let typed: Call = ("set_values", [
        "s": "text", "i": 42, "f": 2.5, "b": true, "n": nil, "a": [1, "two"], "o": ["k": "v", "nested": [true]],
    ])
    static let empty: Call = ("list_files", [:])
    static let escaped: Call = ("write_file", [
        "path": "C:\\temp\\a.txt", "body": "He said \"hi\"\n\ttab {x} [y] (z) <b> & 'q'",
    ])
    static let unicode: Call = ("translate", ["text": "Zürich 東京 🎉 naïve café", "to": "日本語"])

    /// Tools whose schemas type every argument, so schema-typed formats read values back exactly.
    static func tools(for calls: [Call]) -> JSONValue {
        .array(calls.map { call in
            var properties = JSONObject()
            for entry in call.arguments.objectValue ?? [:] {
                let type: JSONValue
                switch entry.value {
                case .string: type = "string"
                case .number(let n): type = n.isInteger ? "integer" : "number"
                case .bool: type = "boolean"
                case .null: type = ["null", "string"]
                case .array: type = "array"
                case .object: type = "object"
                }
                properties[entry.key] = ["type": type]
            }
            return ["type": "function", "function": ["name": .string(call.name),
                                                     "parameters": ["type": "object", "properties": .object(properties)]]]
        })
    }

    static func rendered(_ family: Family, _ calls: [Call]) -> String {
        family.render(calls: calls.map { ($0.name, $0.arguments.serialized()) })
    }

    /// The text, the calls it must give, and a piece of text that must survive in content.
    static func make(_ testCase: Case, _ family: Family) -> (text: String, calls: [Call], keep: [String]) {
        switch testCase {
        case .none:
            let text = "Nothing to call: a < b > c, {braces}, [a link](x), f(x) = 2; 100% done."
            return (text, [], [text])
        case .one: return (rendered(family, [weather]), [weather], [])
        case .parallel: return (rendered(family, [weather, search, empty]), [weather, search, empty], [])
        case .types: return (rendered(family, [typed]), [typed], [])
        case .emptyArguments: return (rendered(family, [empty]), [empty], [])
        case .textAround:
            return ("Let me look that up.\n" + rendered(family, [weather]) + "\nDone, one moment.", [weather],
                    ["Let me look that up.", "Done, one moment."])
        case .escapes: return (rendered(family, [escaped]), [escaped], [])
        case .unicode: return ("Voilà — " + rendered(family, [unicode]), [unicode], ["Voilà —"])
        case .malformed:
            let broken = cut(rendered(family, [search])) + " and then the model rambles on."
            return (rendered(family, [weather]) + "\n" + broken, [weather], [broken])
        case .truncated:
            let broken = cut(rendered(family, [search]))
            return (rendered(family, [weather]) + "\n" + broken, [weather], [broken])
        }
    }

    /// A call's text cut inside the value `swift state machines`: no format can read that as complete.
    static func cut(_ text: String) -> String {
        guard let range = text.range(of: "swift st") else { return String(text.prefix(text.count * 6 / 10)) }
        return String(text[..<range.upperBound])
    }

    @Test("each family parses the shared cases, whole and streamed",
          arguments: Repository.familyNames, Case.allCases)
    func conformance(familyName: String, testCase: Case) throws {
        let family = Repository.family(familyName)
        let (text, calls, keep) = Self.make(testCase, family)
        let options = Drive.options(tools: Self.tools(for: [Self.weather, Self.search, Self.typed, Self.empty,
                                                            Self.escaped, Self.unicode]))
        let message = family.parse(text, options: options)
        #expect(message.toolCalls.map(\.name) == calls.map(\.name), "\(text.debugDescription)")
        for (got, want) in zip(message.toolCalls, calls) {
            #expect((try? JSONParser().parse(got.arguments)) == want.arguments, "\(got.name): \(got.arguments)")
        }
        for fragment in keep {
            let kept = family.dropped.reduce(fragment) { $0.replacingOccurrences(of: $1, with: "") }.trimmingWhitespace()
            #expect((message.content ?? "").contains(kept),
                    "content \(message.content.debugDescription) lost \(fragment.debugDescription)")
        }
        if keep.isEmpty { #expect(message.content == nil, "content \(message.content.debugDescription)") }
        #expect(Set(message.toolCalls.map(\.id)).count == message.toolCalls.count)
        // Ids the output carries (Kimi's functions.NAME:INDEX) are kept; the others follow the family's style.
        for call in message.toolCalls where !text.contains(call.id) {
            switch family.idStyle {
            case .openai: #expect(call.id.hasPrefix("call_") && call.id.count == 29)
            case .mistral: #expect(call.id.count == 9 && call.id.allSatisfy { $0.isLetter || $0.isNumber })
            }
        }

        let whole = Drive.signature(message)
        for chunking in Drive.standard {
            #expect(Drive.signature(Drive.message(family, text, chunking, options: options)) == whole, "\(chunking)")
        }
        if testCase != .malformed && testCase != .truncated {
            var eager = options
            eager.commit = .eager
            for chunking in Drive.standard {
                #expect(Drive.signature(Drive.message(family, text, chunking, options: eager)) == whole,
                        "eager, \(chunking)")
            }
        }
    }

    @Test("rendering calls and parsing the text back gives the same calls", arguments: Repository.familyNames)
    func renderParseRoundTrip(familyName: String) {
        let family = Repository.family(familyName)
        let sets: [[Call]] = [[Self.weather], [Self.typed, Self.escaped], [Self.unicode, Self.empty, Self.search]]
        let tools = Self.tools(for: [Self.weather, Self.search, Self.typed, Self.empty, Self.escaped, Self.unicode])
        for calls in sets {
            let text = Self.rendered(family, calls)
            let message = family.parse(text, options: Drive.options(tools: tools))
            #expect(message.toolCalls.map(\.name) == calls.map(\.name), "\(text)")
            #expect(message.toolCalls.map { try? JSONParser().parse($0.arguments) } == calls.map(\.arguments), "\(text)")
            #expect(message.content == nil)
            // Rendering what was parsed gives the text back.
            #expect(family.render(calls: message.toolCalls.map { ($0.name, $0.arguments) }) == text)
        }
    }

    @Test("malformed and cut-off calls never lose text", arguments: Repository.familyNames)
    func neverLosesText(familyName: String) {
        let family = Repository.family(familyName)
        let text = Self.rendered(family, [Self.weather])
        // Every prefix of a call is either still a call (its body complete) or content, byte for byte.
        for length in stride(from: 1, to: text.unicodeScalars.count, by: 1) {
            var view = String.UnicodeScalarView()
            view.append(contentsOf: Array(text.unicodeScalars)[0..<length])
            let prefix = String(view)
            let message = family.parse(prefix, options: Drive.options())
            if message.toolCalls.isEmpty {
                // Markers the family declares structure (`drop`) are the only bytes that may go.
                let kept = family.dropped.reduce(prefix) { $0.replacingOccurrences(of: $1, with: "") }.trimmingWhitespace()
                #expect(message.content == (kept.isEmpty ? nil : kept), "\(prefix.debugDescription)")
            }
        }
    }
}
