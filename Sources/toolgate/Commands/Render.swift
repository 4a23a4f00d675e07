import ArgumentParser
import ChatTemplate
import Foundation
import Gateway
import JSON
import Jinja
import Logging
import Backends

/// `toolgate render`: prints exactly the prompt a chat template makes of a case, as transformers would.
struct Render: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render a chat case with a model's chat template (byte-identical to transformers).",
        discussion: """
            Prints the prompt with no added newline. When the template raises (raise_exception, undefined \
            value, type error, recursion), prints '<Kind>: <message>' on stderr and exits with status 3.
            """)

    @Option(help: "A chat template: a .jinja file or a tokenizer_config.json.")
    var template: String?

    @Option(help: "A model of the config file: its template (from its backend's /props with template: backend), special tokens and template_arguments.")
    var model: String?

    @Option(help: "The config file for --model (JSON or YAML).")
    var config: String = "toolgate.yaml"

    @Option(name: .customLong("case"), help: "The case JSON (messages, tools, add_generation_prompt, …).")
    var casePath: String

    @Option(help: "Freeze strftime_now at this local time (ISO 8601); overrides the case's 'now'.")
    var now: String?

    @Option(help: "Template name inside a tokenizer_config.json with several (default: tool_use with tools, else default).")
    var templateName: String?

    @Option(help: "transformers version whose message preprocessing to reproduce (4 or 5).")
    var compat: Int = 5

    @Flag(help: "On a template error, also print the location and a caret snippet.")
    var explain = false

    func validate() throws {
        if template == nil && model == nil { throw ValidationError("give --template FILE (or --model NAME)") }
        if template != nil && model != nil { throw ValidationError("give only one of --template and --model") }
        if compat != 4 && compat != 5 { throw ValidationError("--compat must be 4 or 5") }
    }

    func run() async throws {
        do {
            let caseText = try String(contentsOfFile: casePath, encoding: .utf8)
            var input = try ChatRenderInput(case: try JSONParser().parse(caseText))
            if let now {
                guard let frozen = LocalDateTime(iso: now) else { throw ValidationError("--now is not an ISO date-time") }
                input.now = frozen
            }
            input.compatibility = compat == 4 ? .v4 : .v5
            let templates: ChatTemplateSet
            if let template {
                templates = try TemplateSource.load(path: template)
                if input.specialTokens.isEmpty { input.specialTokens = templates.specialTokens }
            } else {
                let profile = try modelProfile()
                templates = try await Self.templates(of: profile)
                if input.specialTokens.isEmpty {
                    input.specialTokens = profile.specialTokens(over: templates.specialTokens)
                }
                for entry in profile.templateArguments where input.extra[entry.key] == nil {
                    input.extra[entry.key] = entry.value
                }
            }
            let chosen = try templates.select(name: templateName, hasTools: input.tools != nil)
            let prompt = try chosen.render(input)
            FileHandle.standardOutput.write(Data(prompt.utf8))
        } catch let error as ChatTemplateError {
            if case .template(let jinjaError) = error {
                FileHandle.standardError.write(Data(((explain ? jinjaError.detailedDescription : jinjaError.description) + "\n").utf8))
                throw ExitCode(3)
            }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        } catch let error as JSONError {
            FileHandle.standardError.write(Data("error: case file \(casePath): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The profile's templates; for `template: backend`, read from the running backend (llama.cpp `/props`).
    private static func templates(of profile: ModelProfile) async throws -> ChatTemplateSet {
        if let local = try profile.localTemplates() { return local }
        let logger = Logger(label: "toolgate.render") { _ in SwiftLogNoOpLogHandler() }
        do {
            return try await profile.templates(transport: try CurlTransport(logger: logger), logger: logger)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The `--model` profile of the `--config` file.
    private func modelProfile() throws -> ModelProfile {
        let configuration: GatewayConfiguration
        do { configuration = try GatewayConfiguration.load(file: config) } catch {
            throw ValidationError("\(error)")
        }
        guard let profile = configuration.models.first(where: { $0.name == model }) else {
            let names = configuration.models.map(\.name).joined(separator: ", ")
            throw ValidationError("\(config) has no model '\(model ?? "")' (it has: \(names))")
        }
        return profile
    }
}
