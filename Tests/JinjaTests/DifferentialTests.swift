import Foundation
import JSON
import Testing
@testable import Jinja

/// The snippets of `Tests/Fixtures/jinja/differential.txt`.
struct Snippet: CustomTestStringConvertible, Sendable {
    let name: String
    let source: String

    var testDescription: String { name }

    static let all: [Snippet] = {
        let url = Paths.fixtures.appendingPathComponent("jinja/differential.txt")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var snippets: [Snippet] = []
        var name: String? = nil
        var lines: [Substring] = []
        func flush() {
            guard let name else { return }
            var source = lines.joined(separator: "\n")
            if name == "whitespace_crlf" { source = source.replacingOccurrences(of: "\n", with: "\r\n") }
            snippets.append(Snippet(name: name, source: source))
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("### ") {
                flush()
                name = String(line.dropFirst(4))
                lines = []
            } else {
                lines.append(line)
            }
        }
        if lines.last == "" { lines.removeLast() }
        flush()
        return snippets
    }()
}

/// `render_reference.py --all` over every snippet, run once: the expected text (`.txt`) or error (`.error`).
enum ReferenceRun {
    static let results: [String: (text: String?, error: String?)]? = {
        guard FileManager.default.fileExists(atPath: Paths.referenceRenderer.path) else { return nil }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("jinja-differential-\(getpid())")
        let templates = work.appendingPathComponent("templates")
        let cases = work.appendingPathComponent("cases")
        let out = work.appendingPathComponent("out")
        do {
            try FileManager.default.createDirectory(at: templates, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: cases, withIntermediateDirectories: true)
            for snippet in Snippet.all {
                try Data(snippet.source.utf8).write(to: templates.appendingPathComponent(snippet.name + ".jinja"))
            }
            try FileManager.default.copyItem(at: Paths.fixtures.appendingPathComponent("jinja/context.json"),
                                             to: cases.appendingPathComponent("context.json"))
        } catch {
            return nil
        }
        defer { try? FileManager.default.removeItem(at: work) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Paths.referenceRenderer.path, "--all", templates.path, "--cases", cases.path,
                             "--out", out.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        var results: [String: (text: String?, error: String?)] = [:]
        for snippet in Snippet.all {
            let stem = out.appendingPathComponent(snippet.name + "__context").path
            let text = try? String(contentsOfFile: stem + ".txt", encoding: .utf8)
            let error = try? String(contentsOfFile: stem + ".error", encoding: .utf8)
            results[snippet.name] = (text, error)
        }
        return results
    }()
}

@Suite("Differential against jinja2 (render_reference.py)")
struct DifferentialTests {
    static let context: JSONValue? = {
        let url = Paths.fixtures.appendingPathComponent("jinja/context.json")
        return (try? String(contentsOf: url, encoding: .utf8)).flatMap { try? JSONValue.parse($0) }
    }()

    /// The case's variables as `render_reference.py` builds them (the ChatTemplate module does this for real
    /// requests; here only what the corpus uses).
    static func variables() -> [(String, Value)] {
        guard case .object(let object)? = context else { return [] }
        var variables: [(String, Value)] = []
        var messages: [JSONValue] = []
        for message in object["messages"]?.arrayValue ?? [] {
            guard case .object(var m) = message else { continue }
            m = JSONObject(m.filter { !$0.value.isNull })
            if let reasoning = m["reasoning_content"] {
                var aliased: JSONObject = ["thinking": reasoning]
                for entry in m { aliased[entry.key] = entry.value }
                m = aliased
            }
            messages.append(.object(m))
        }
        variables.append(("messages", .jsonArray(messages)))
        variables.append(("tools", object["tools"].map(Value.init(json:)) ?? .none))
        variables.append(("documents", .none))
        variables.append(("add_generation_prompt", .bool(object["add_generation_prompt"]?.boolValue ?? false)))
        for name in ["bos_token", "eos_token"] {
            if case .string(let token)? = object[name] { variables.append((name, .string(token))) }
        }
        for entry in object["extra"]?.objectValue ?? JSONObject() { variables.append((entry.key, Value(json: entry.value))) }
        return variables
    }

    @Test("renders the same bytes, or raises the same error, as jinja2",
          .enabled(if: ReferenceRun.results != nil, "python3 with jinja2 or shared/tools/render_reference.py not found"),
          arguments: Snippet.all)
    func matchesReference(snippet: Snippet) throws {
        let reference = try #require(ReferenceRun.results?[snippet.name])
        let now = LocalDateTime(year: 2025, month: 3, day: 14, hour: 9, minute: 26, second: 53)
        do {
            let output = try Template(snippet.source).render(Self.variables(), options: RenderOptions(now: now))
            #expect(reference.text == output, "expected \(reference.error ?? "text")")
        } catch let error as JinjaError {
            #expect(reference.error == error.description, "rendered error \(error)")
        }
    }

    @Test("has a corpus to compare")
    func corpusPresent() {
        #expect(Snippet.all.count > 250)
    }
}
