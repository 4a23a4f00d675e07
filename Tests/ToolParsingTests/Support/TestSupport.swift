import Foundation
import JSON
import Testing
@testable import ToolParsing

/// Paths of the repository, computed from this file so tests run from any working directory.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let parsers = root.appendingPathComponent("parsers").path
    static let vectors = root.appendingPathComponent("Tests/Fixtures/vectors").path
    /// The shared fixtures next to the repository (absent outside the team's workspace).
    static let sharedVectors = root.deletingLastPathComponent().appendingPathComponent("shared/fixtures/parsers").path

    static let registry = FamilyRegistry(directories: [parsers])

    static func family(_ name: String) -> Family {
        do {
            return try registry.family(named: name)
        } catch {
            fatalError("built-in family \(name) does not load: \(error)")
        }
    }

    static var familyNames: [String] { registry.families.map(\.name) }
}

/// One line of a vectors file.
struct Vector: Sendable, CustomTestStringConvertible {
    let family: String
    let id: String
    let text: String
    let tools: JSONValue?
    /// `toolgate_expected` where we diverge from the peer, else `expected`.
    let expected: JSONValue
    let contentAsserted: Bool
    let contentContains: String?
    let expectedReasoning: String??

    var testDescription: String { "\(family)/\(id)" }

    static func load(family: String, directory: String = Repository.vectors) -> [Vector] {
        let path = (directory as NSString).appendingPathComponent("\(family).jsonl")
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard case .object(let object)? = try? JSONParser().parse(String(line)),
                  let text = object["text"]?.stringValue,
                  let expected = object["toolgate_expected"] ?? object["expected"] else { return nil }
            return Vector(family: family, id: object["id"]?.stringValue ?? "?", text: text, tools: object["tools"],
                          expected: expected, contentAsserted: object["content_asserted"]?.boolValue ?? true,
                          contentContains: object["content_contains"]?.stringValue,
                          expectedReasoning: object["expected_reasoning"].map { $0.stringValue })
        }
    }

    static var all: [Vector] { Repository.familyNames.flatMap { load(family: $0) } }
}

/// Runs a family over a text whole or in chunks, the way a client assembles a stream.
enum Drive {
    enum Chunking: CustomStringConvertible {
        case whole
        case scalars(Int)
        case bytes(Int)
        case seeded(UInt64)

        var description: String {
            switch self {
            case .whole: return "whole"
            case .scalars(let n): return "\(n)-scalar chunks"
            case .bytes(let n): return "\(n)-byte chunks"
            case .seeded(let seed): return "random chunks (seed \(seed))"
            }
        }
    }

    /// The chunkings every streaming check uses: whole, 1 scalar, 1 byte (cuts UTF-8), 64 bytes, 20 seeds.
    static let standard: [Chunking] = [.whole, .scalars(1), .bytes(1), .bytes(64)] + (1...20).map { .seeded($0) }

    static func options(tools: JSONValue? = nil, commit: CommitMode = .validated, reasoningStart: ReasoningStart = .detect,
                        prefill: String? = nil) -> ParserOptions
    {
        ParserOptions(commit: commit, tools: ToolSchemas(tools: tools), reasoningStart: reasoningStart, prefill: prefill,
                      ids: ToolCallIDGenerator(seed: 7))
    }

    static func message(_ family: Family, _ text: String, _ chunking: Chunking,
                        options: ParserOptions) -> ParsedMessage
    {
        var parser = StreamingParser(family: family, options: options)
        var accumulator = DeltaAccumulator()
        for chunk in chunks(text, chunking) { accumulator.apply(parser.feed(bytes: chunk)) }
        accumulator.apply(parser.finish())
        return accumulator.message(from: parser)
    }

    static func chunks(_ text: String, _ chunking: Chunking) -> [[UInt8]] {
        let bytes = Array(text.utf8)
        switch chunking {
        case .whole:
            return [bytes]
        case .bytes(let n):
            return stride(from: 0, to: bytes.count, by: n).map { Array(bytes[$0..<min($0 + n, bytes.count)]) }
        case .scalars(let n):
            let scalars = Array(text.unicodeScalars)
            return stride(from: 0, to: scalars.count, by: n).map { start in
                var view = String.UnicodeScalarView()
                view.append(contentsOf: scalars[start..<min(start + n, scalars.count)])
                return Array(String(view).utf8)
            }
        case .seeded(let seed):
            var generator = SplitMix64(seed: seed)
            var out: [[UInt8]] = []
            var i = 0
            while i < bytes.count {
                let n = min(Int(generator.next() % 24) + 1, bytes.count - i)
                out.append(Array(bytes[i..<(i + n)]))
                i += n
            }
            return out
        }
    }

    /// Everything a stream must reproduce: content, reasoning, calls (index, id, name, arguments text).
    static func signature(_ message: ParsedMessage) -> String {
        var lines = ["content: \(message.content.map { $0.debugDescription } ?? "nil")",
                     "reasoning: \(message.reasoningContent.map { $0.debugDescription } ?? "nil")"]
        for call in message.toolCalls { lines.append("call \(call.index) \(call.id) \(call.name) \(call.arguments)") }
        return lines.joined(separator: "\n")
    }
}


/// The comparison `replay --check` makes: arguments as JSON values, content and reasoning trimmed with
/// null and "" equal, content only when asserted.
enum Expectation {
    static func differences(_ message: ParsedMessage, _ vector: Vector) -> [String] {
        var problems: [String] = []
        let calls = vector.expected["tool_calls"]?.arrayValue ?? []
        if calls.count != message.toolCalls.count {
            problems.append("expected \(calls.count) calls, got \(message.toolCalls.map(\.name))")
        } else {
            for (want, got) in zip(calls, message.toolCalls) {
                if want["name"]?.stringValue != got.name { problems.append("name \(got.name)") }
                var expectedArguments = want["arguments"] ?? .object([:])
                if case .string(let text) = expectedArguments {
                    expectedArguments = (try? JSONParser().parse(text)) ?? .string(text)
                }
                if (try? JSONParser().parse(got.arguments)) != expectedArguments {
                    problems.append("arguments of \(got.name): \(got.arguments)")
                }
            }
        }
        if vector.contentAsserted, trim(vector.expected["content"]?.stringValue) != trim(message.content) {
            problems.append("content \(message.content.debugDescription)")
        }
        if let fragment = vector.contentContains, !(message.content ?? "").contains(fragment) {
            problems.append("content lacks \(fragment)")
        }
        if let reasoning = vector.expectedReasoning, trim(reasoning) != trim(message.reasoningContent) {
            problems.append("reasoning \(message.reasoningContent.debugDescription)")
        }
        return problems
    }

    static func trim(_ text: String?) -> String {
        (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
