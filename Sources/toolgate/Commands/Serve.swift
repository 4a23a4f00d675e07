import ArgumentParser
import Backends
import Foundation
import Gateway
import HTTPServer
import Logging

/// `toolgate serve`: the gateway. One model from flags alone, several from a config file (flags add to
/// or override it).
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve an OpenAI-compatible API in front of raw-completion backends.",
        discussion: """
            One model from flags:
              toolgate serve --backend http://127.0.0.1:8080 --dialect llamacpp --template backend \\
                  --parser hermes --model-name qwen2.5
            Several from a config file (JSON or YAML; see README.md for the reference):
              toolgate serve --config toolgate.yaml
            API keys come from the config file or TOOLGATE_API_KEYS (comma-separated), never from flags.
            """)

    @Option(help: "A config file (JSON or YAML) with the models to serve.")
    var config: String?

    @Option(help: "Where to listen: HOST:PORT, :PORT or PORT (default 127.0.0.1:8080).")
    var listen: String?

    @Option(help: "Backend base URL (or, for --dialect replay, a capture file).")
    var backend: String?

    @Option(help: "Backend dialect: llamacpp, openai, tgi, ollama or replay.")
    var dialect: String?

    @Option(help: "Chat template: a .jinja file, a tokenizer_config.json, or 'backend' (llama.cpp /props).")
    var template: String?

    @Option(help: "Parser family: hermes, llama3_json, mistral, qwen3_coder, pythonic, … ('toolgate parsers').")
    var parser: String?

    @Option(help: "The model name clients send.")
    var modelName: String = "toolgate"

    @Option(help: "The model name sent to backends that need one (openai, ollama); default: --model-name.")
    var backendModel: String?

    @Option(help: "Reasoning markers: none, think (default: the family's).")
    var reasoning: String?

    @Option(help: "Streamed tool-call arguments: validated (a call goes out once complete) or eager.")
    var streamArguments: String?

    @Option(help: "A tool call that does not parse: lenient (returned as content) or strict (502).")
    var failurePolicy: String?

    @Option(help: "Default max_tokens when a request gives none.")
    var maxTokens: Int?

    @Option(help: "Stop strings always sent to the backend (repeatable).")
    var stop: [String] = []

    @Flag(help: """
        Do not constrain decoding for tool_choice required or a named function, for every model (the prefill \
        still forces the call).
        """)
    var noConstrain = false

    @Option(help: """
        The request field the backend takes a constraint in: llamacpp grammar|json_schema|none, openai \
        none|grammar|guided_grammar|guided_json|structured_outputs|structured_outputs.json, tgi grammar|none, \
        ollama format|none (default: the first).
        """)
    var constraintField: String?

    @Flag(help: "For --dialect replay: answer an unknown prompt by its last user message (demos).")
    var replayFallback = false

    @OptionGroup var location: ParsersDirectoryOptions

    @Option(help: "Append one JSON line per request (prompt, raw output, parsed result) to this file.")
    var capture: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        if config == nil && backend == nil {
            throw ValidationError("give --config FILE, or --backend URL --dialect D --template T --parser P")
        }
        if backend != nil {
            for (flag, value) in [("--dialect", dialect), ("--template", template), ("--parser", parser)] where value == nil {
                throw ValidationError("\(flag) is needed with --backend")
            }
        }
        if constraintField != nil && backend == nil {
            throw ValidationError("--constraint-field applies to the model given by --backend; in a config file use "
                                  + "backend.constraint_field")
        }
        if Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "toolgate")
        do {
            let configuration = try gatewayConfiguration()
            let transport = try CurlTransport(logger: logger)
            let registry = location.registry(extra: configuration.parsersDirectory)
            for problem in registry.problems { logger.warning("parser definition skipped: \(problem)") }
            let gateway = try await Gateway.make(configuration: configuration, registry: registry,
                                                 transport: transport, logger: logger)
            var serverConfiguration = HTTPServer.Configuration(host: configuration.listenHost,
                                                               port: configuration.listenPort, logger: logger)
            serverConfiguration.maxRequestBodyBytes = configuration.maxBodyBytes
            serverConfiguration.errorResponse = gateway.failureResponse
            // The chat handler's synchronous part (validate, render) is short; starting it on the polling
            // thread saves a thread handoff per request, which dominates added latency at low concurrency.
            serverConfiguration.startsHandlersOnPollingThread = true
            let server = HTTPServer(configuration: serverConfiguration, handler: gateway.handle)
            let signals = ShutdownSignals()
            try server.start()
            gateway.observe(server)
            logger.info("toolgate listening", metadata: [
                "address": "\(configuration.listenHost):\(server.port)",
                "models": "\(configuration.models.map(\.name).joined(separator: ", "))",
            ])
            let signal = await signals.next()
            logger.info("shutting down", metadata: ["signal": "\(signal)"])
            await server.shutdown(gracePeriod: configuration.shutdownGracePeriod)
        } catch let error as ConfigurationError {
            throw StartupFailure(message: error.description)
        } catch let error as HTTPServerError {
            if case .addressInUse = error {
                throw StartupFailure(message: "\(error); choose another with --listen (or `listen:` in the config)")
            }
            throw StartupFailure(message: "\(error)")
        } catch let error as BackendError {
            throw StartupFailure(message: "cannot start the backend transport: \(error)")
        }
    }

    /// The config file (if any) with the flags' model and settings applied on top.
    func gatewayConfiguration() throws(ConfigurationError) -> GatewayConfiguration {
        var configuration = try config.map { (path) throws(ConfigurationError) in
            try GatewayConfiguration.load(file: path)
        } ?? GatewayConfiguration()
        if let listen { try configuration.setListen(listen) }
        if let capture { configuration.capturePath = capture }
        if let backend, let dialect, let template, let parser {
            var profile = ModelProfile(name: modelName, backendURL: backend, dialect: dialect,
                                       template: try ModelProfile.TemplateSource(argument: template), parser: parser)
            profile.reasoning = reasoning
            profile.backendModel = backendModel
            if let streamArguments { profile.streamArguments = streamArguments }
            if let failurePolicy {
                guard let policy = ModelProfile.FailurePolicy(rawValue: failurePolicy) else {
                    throw ConfigurationError("--failure-policy must be lenient or strict")
                }
                profile.failurePolicy = policy
            }
            profile.defaultMaxTokens = maxTokens
            profile.stop = stop
            profile.replayMatchLastUserMessage = replayFallback
            profile.constraintField = constraintField
            configuration.models.removeAll { $0.name == modelName }
            configuration.models.append(profile)
        }
        if noConstrain {
            for i in configuration.models.indices { configuration.models[i].constrain = false }
        }
        return configuration
    }
}

/// A start-up problem: printed as one line that says what is wrong, exit status 1.
struct StartupFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
