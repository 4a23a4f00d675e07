import ChatTemplate
import Foundation
import JSON
import Jinja

/// One template × case pair for `toolgate bench render`, with what both engines need to render it.
struct RenderBenchPair {
    let label: String
    let templatePath: String
    /// The case as the template sees it (tool-call arguments already objects), also handed to Python.
    let caseJSON: JSONValue

    /// The three templates the bench covers by default, found in the first of `directories` that has them.
    static let defaultTemplates = [
        ("Hermes 3", "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja"),
        ("Llama 3.1", "meta-llama-Llama-3.1-8B-Instruct.jinja"),
        ("Qwen3", "Qwen-Qwen3-0.6B.jinja"),
    ]

    static let templateDirectories = ["Tests/Fixtures/templates", "../shared/fixtures/templates"]

    /// A case from the bench's chat request workload: 20 messages with tool calls and results, 10 tools.
    static func workloadCase() throws -> JSONValue {
        let request = ChatRequestWorkload.make(messages: 20, tools: 10)
        guard case .array(let messages)? = request["messages"], case .array(let tools)? = request["tools"] else {
            throw RenderBenchError("workload has no messages or tools")
        }
        // The template sees parsed arguments (ChatTemplate does this for requests; Python gets the same data).
        let input = ChatRenderInput(messages: messages)
        let prepared = try ChatTemplate(source: "").variables(for: input)
        guard case .jsonArray(var preparedMessages)? = prepared.first?.1 else {
            throw RenderBenchError("could not prepare messages")
        }
        // Assistant tool-call turns get "" content: templates such as Qwen3 read `message.content`, which
        // transformers leaves undefined when the request says null.
        for (i, message) in preparedMessages.enumerated() {
            if case .object(var object) = message, object["tool_calls"] != nil, object["content"] == nil {
                object["content"] = ""
                preparedMessages[i] = .object(object)
            }
        }
        return ["messages": .array(preparedMessages), "tools": .array(tools), "add_generation_prompt": true,
                "bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "now": "2025-03-14T09:26:53"]
    }

    static func defaults() throws -> [RenderBenchPair] {
        guard let directory = templateDirectories.first(where: { dir in
            defaultTemplates.allSatisfy { FileManager.default.fileExists(atPath: dir + "/" + $0.1) }
        }) else {
            throw RenderBenchError("bench templates not found in \(templateDirectories.joined(separator: " or ")) "
                + "(run from the repository root, or pass --template and --case)")
        }
        let workload = try workloadCase()
        return defaultTemplates.map { label, file in
            RenderBenchPair(label: "\(label) (20 messages, 10 tools)", templatePath: directory + "/" + file,
                            caseJSON: workload)
        }
    }
}

struct RenderBenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Python jinja2 rendering a pair with `render_reference.py`'s semantics: compiled once, variables prepared
/// once, only `render` timed. Returns renders/s and the rendered text (to check both engines agree).
func pythonRenderRate(_ pair: RenderBenchPair, seconds: Double) -> (rate: Double, output: String)? {
    let candidates = ["../shared/tools", "Tests/Fixtures/tools"]
    guard let tools = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/render_reference.py") })
    else { return nil }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("toolgate-bench-\(getpid())")
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let casePath = directory.appendingPathComponent("case.json").path
    let outputPath = directory.appendingPathComponent("output.txt").path
    guard FileManager.default.createFile(atPath: casePath, contents: Data(pair.caseJSON.serialized().utf8)) else {
        return nil
    }
    let script = """
        import json, sys, time
        sys.path.insert(0, \(String(reflecting: URL(fileURLWithPath: tools).path)))
        import render_reference as rr
        source = open(\(String(reflecting: pair.templatePath)), encoding="utf-8", newline="").read()
        case = json.load(open(\(String(reflecting: casePath)), encoding="utf-8"))
        template = rr.compile_template(source)
        variables = rr.template_variables(case)
        rr.Clock.frozen = rr._parse_now(case.get("now"))
        out = template.render(**variables)
        open(\(String(reflecting: outputPath)), "w", encoding="utf-8", newline="").write(out)
        n = 0
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < \(seconds):
            for _ in range(10):
                template.render(**variables)
            n += 10
        print(n / (time.perf_counter() - t0))
        """
    guard let rate = pythonRate(script),
          let output = try? String(contentsOfFile: outputPath, encoding: .utf8) else { return nil }
    return (rate, output)
}
