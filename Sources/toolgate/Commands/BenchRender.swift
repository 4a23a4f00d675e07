import ArgumentParser
import ChatTemplate
import Foundation
import JSON
import Jinja

/// `toolgate bench render`: chat-template renders per second, next to Python jinja2 rendering the same pairs
/// in the same run (template compiled once, only rendering timed on both sides).
struct BenchRender: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render chat templates; compare with Python jinja2 (render_reference.py semantics).",
        discussion: """
            Without --template/--case: the Hermes 3, Llama 3.1 and Qwen3 templates with a 20-message, \
            10-tool conversation. The last line, renders_per_second, is the engine's rate over all pairs \
            rendered in turn (total renders / total time).
            """)

    @Option(help: "A chat template file (.jinja or tokenizer_config.json); needs --case.")
    var template: String?

    @Option(name: .customLong("case"), help: "The case JSON to render with --template.")
    var casePath: String?

    @Option(help: "Seconds to measure each engine on each pair (split over the rounds).")
    var seconds: Double = 1.5

    @Option(help: "Alternating rounds per pair; each engine's best round counts.")
    var rounds: Int = 3

    func validate() throws {
        if (template == nil) != (casePath == nil) { throw ValidationError("give both --template and --case, or neither") }
        if seconds <= 0 { throw ValidationError("--seconds must be positive") }
        if rounds < 1 { throw ValidationError("--rounds must be at least 1") }
    }

    func run() throws {
        let pairs: [RenderBenchPair]
        if let template, let casePath {
            let caseJSON = try JSONParser().parse(try String(contentsOfFile: casePath, encoding: .utf8))
            pairs = [RenderBenchPair(label: (template as NSString).lastPathComponent, templatePath: template,
                                     caseJSON: caseJSON)]
        } else {
            pairs = try RenderBenchPair.defaults()
        }
        print("pair".padding(toLength: 40, withPad: " ", startingAt: 0) + "  toolgate r/s    jinja2 r/s     ratio  same bytes")
        var totalTime = 0.0
        for pair in pairs {
            var input = try ChatRenderInput(case: pair.caseJSON)
            let templates = try TemplateSource.load(path: pair.templatePath)
            if input.specialTokens.isEmpty { input.specialTokens = templates.specialTokens }
            let chat = try templates.select(hasTools: input.tools != nil)
            // Like the Python side: variables prepared once, only the render timed.
            let variables = try chat.variables(for: input)
            let options = RenderOptions(now: input.now)
            let output = try chat.template.render(variables, options: options)
            // Rounds alternate between the engines and each keeps its best: on a shared machine, load that
            // comes and goes then hits both sides alike.
            var rate = 0.0
            var python: (rate: Double, output: String)? = nil
            for _ in 0..<rounds {
                rate = max(rate, operationsPerSecond(seconds: seconds / Double(rounds)) {
                    _ = try? chat.template.render(variables, options: options)
                })
                if let measured = pythonRenderRate(pair, seconds: seconds / Double(rounds)) {
                    python = (max(python?.rate ?? 0, measured.rate), measured.output)
                }
            }
            totalTime += 1 / rate
            var line = pair.label.padding(toLength: 40, withPad: " ", startingAt: 0) + "  " + formatRate(rate) + "    "
            if let python {
                line += formatRate(python.rate) + String(format: "  %7.1fx", rate / python.rate)
                line += "  " + (python.output == output ? "yes" : "NO")
            } else {
                line += "       n/a (python3 with jinja2, or render_reference.py, not found)"
            }
            print(line)
        }
        print(String(format: "renders_per_second: %.0f", Double(pairs.count) / totalTime))
    }
}
