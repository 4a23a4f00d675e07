import Foundation
import JSON
import Testing
@testable import ToolParsing

/// A user adds a format toolgate has never seen by dropping a JSON file in a directory: no rebuild.
@Suite("Plugins")
struct PluginTests {
    /// A fresh directory holding the given definition files.
    static func directory(_ files: [String: String]) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("toolgate-plugins-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        for (name, text) in files {
            try Data(text.utf8).write(to: url.appendingPathComponent(name))
        }
        return url.path
    }

    static let minimal = #"""
    {
      "name": "myformat",
      "start": "<fn ",
      "end": "</fn>",
      "pattern": "<fn name=\"(?<name>[^\"]+)\">(?<arguments>.*?)</fn>",
      "render": "<fn name=\"{name}\">{arguments}</fn>"
    }
    """#

    @Test("the minimum schema parses, streams and renders a new format")
    func minimumSchema() throws {
        let directory = try Self.directory(["myformat.json": Self.minimal])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let registry = FamilyRegistry(directories: [directory])
        #expect(registry.problems.isEmpty)
        let family = try registry.family(named: "myformat")
        #expect(family.source.hasSuffix("myformat.json"))

        let text = #"Sure. <fn name="add">{"a": 1, "b": [2, 3]}</fn><fn name="noop"></fn> Done <fn"#
        let message = family.parse(text, options: Drive.options())
        #expect(message.toolCalls.map(\.name) == ["add", "noop"])
        #expect(message.toolCalls.map(\.arguments) == [#"{"a": 1, "b": [2, 3]}"#, "{}"])
        #expect(message.content == "Sure.  Done <fn")
        for chunking in Drive.standard {
            #expect(Drive.signature(Drive.message(family, text, chunking, options: Drive.options()))
                == Drive.signature(message), "\(chunking)")
        }

        let rendered = family.render(calls: [("mul", #"{"x": 2}"#), ("div", "{}")])
        #expect(rendered == #"<fn name="mul">{"x":2}</fn><fn name="div">{}</fn>"#)
        let back = family.parse(rendered, options: Drive.options())
        #expect(back.toolCalls.map(\.name) == ["mul", "div"])
        #expect(back.content == nil)
        #expect(family.prefill(functionName: nil) == "<fn ")
        #expect(family.stopStrings == ["</fn>"])
    }

    @Test("a broken call of a plugin format stays content and the next call is still read")
    func pluginMalformed() throws {
        let directory = try Self.directory(["myformat.json": Self.minimal])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let family = try FamilyRegistry(directories: [directory]).family(named: "myformat")
        let text = #"<fn name="bad">{oops</fn> then <fn name="good">{"ok": true}</fn>"#
        let message = family.parse(text, options: Drive.options())
        #expect(message.toolCalls.map(\.name) == ["good"])
        #expect(message.content == #"<fn name="bad">{oops</fn> then"#)
        #expect(message.diagnostics.map(\.kind) == [.malformedCall])
    }

    @Test("a pattern with a 'call' group reads a JSON call object, and an end-less format runs to the next call")
    func callGroupWithoutEnd() throws {
        let definition = #"""
        {"name": "callgroup", "start": "CALL:", "pattern": "CALL:\\s*(?<call>\\{.*\\})\\s*$",
         "render": "CALL: {\"name\": \"{name}\", \"parameters\": {arguments}}\n"}
        """#
        let directory = try Self.directory(["callgroup.json": definition])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let family = try FamilyRegistry(directories: [directory]).family(named: "callgroup")
        let text = family.render(calls: [("a", #"{"x": 1}"#), ("b", "{}")])
        let message = family.parse(text, options: Drive.options())
        #expect(message.toolCalls.map(\.name) == ["a", "b"])
        #expect(message.toolCalls.map(\.arguments) == [#"{"x":1}"#, "{}"])
        for chunking in Drive.standard {
            #expect(Drive.signature(Drive.message(family, text, chunking, options: Drive.options()))
                == Drive.signature(message))
        }
    }

    @Test("a definition error names the file and the key", arguments: [
        (#"{"name": "bad", "start": "<x>", "pattern": "(?<name>[a-z]+", "render": "{name}"}"#, "pattern", "offset"),
        (#"{"name": "bad", "start": "<x>", "pattern": "(?<name>\\w+)"}"#, "render", "missing"),
        (#"{"start": "<x>", "pattern": "(?<name>\\w+)", "render": "{name}"}"#, "name", "missing"),
        (#"{"name": "bad", "pattern": "(?<name>\\w+)", "render": "{name}"}"#, "start", "missing"),
        (#"{"name": "bad", "start": "<x>", "render": "{name}"}"#, "body", "missing"),
        (#"{"name": "bad", "start": "<x>", "pattern": "(?<fn>\\w+)", "render": "{name}"}"#, "pattern", "group"),
        (#"{"name": "bad", "start": "<x>", "body": "yaml", "render": "{name}"}"#, "body", "unknown body kind"),
        (#"{"name": "bad", "start": "<x>", "pattern": "(?<name>\\w+)", "render": "{nmae}"}"#, "render", "placeholder"),
        (#"{"name": "bad", "start": "<x>", "pattern": "(?<name>\\w+)", "render": "{name}", "strat": 1}"#, "strat", "unknown key"),
        (#"{"name": "bad", "start": "<x>", "pattern": "(?<name>\\w+)", "render": "{name}", "variants": [{"start": "<y>", "body": {"kind": "xml_parameters", "trim": "all"}}]}"#,
         "variants[0].body.trim", "newline"),
        (#"{"name": "bad", "start": "<x>", "pattern": "(?<name>\\w+)", "render": "{name}", "id_style": "uuid"}"#, "id_style", "openai"),
    ])
    func definitionErrors(definition: String, key: String, reason: String) throws {
        let directory = try Self.directory(["bad.json": definition])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let registry = FamilyRegistry(directories: [directory])
        #expect(registry.families.isEmpty)
        let problem = try #require(registry.problems.first)
        guard case .invalidDefinition(let file, let problemKey, let problemReason) = problem else {
            Issue.record("expected an invalid definition, got \(problem)")
            return
        }
        #expect(file.hasSuffix("bad.json"))
        #expect(problemKey == key)
        #expect(problemReason.contains(reason), "\(problemReason)")
        #expect(problem.description.contains("bad.json") && problem.description.contains(key))
        #expect(throws: ToolParsingError.self) { try registry.family(named: "bad") }
    }

    @Test("a file that is not JSON, or whose name differs from its stem, is rejected and the others still load")
    func badFilesDoNotStopOthers() throws {
        let directory = try Self.directory([
            "myformat.json": Self.minimal, "broken.json": "{not json", "other.json": Self.minimal,
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let registry = FamilyRegistry(directories: [directory])
        #expect(registry.families.map(\.name) == ["myformat"])
        #expect(registry.problems.count == 2)
        #expect(registry.problems.contains { $0.description.contains("broken.json") })
        #expect(registry.problems.contains { $0.description.contains("other.json") && $0.description.contains("name") })
    }

    @Test("a --parsers-dir family overrides a built-in one of the same name, and aliases resolve")
    func searchPathOrder() throws {
        let override = #"{"name": "hermes", "aliases": ["h"], "start": "<call>", "end": "</call>", "body": "json_object", "render": "<call>{arguments}</call>"}"#
        let directory = try Self.directory(["hermes.json": override])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = FamilyRegistry.searchPath(parsersDirs: [directory], environment: [:], executablePath: nil,
                                             workingDirectory: Repository.root.path)
        #expect(path.first == directory)
        #expect(path.contains(Repository.parsers))
        let registry = FamilyRegistry(directories: path)
        #expect(try registry.family(named: "hermes").source.hasPrefix(directory))
        #expect(try registry.family(named: "h").name == "hermes")
        #expect(try registry.family(named: "qwen3_coder").source.hasPrefix(Repository.parsers))
        #expect(throws: ToolParsingError.self) { try registry.family(named: "nope") }
    }
}
