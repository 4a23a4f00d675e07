import FakeBackend
import Foundation
import Gateway
import JSON
import Testing

/// Config files (YAML and JSON) with several models, and the errors a person starting toolgate reads.
@Suite("Configuration files")
struct ConfigurationTests {
    static func yaml(url: String) -> String {
        """
        listen: 127.0.0.1:0
        api_keys: [sk-one, sk-two]
        max_body_bytes: 65536
        call_table:
          max_bytes: 1048576
          ttl_seconds: 60
        models:
          - name: qwen
            backend:
              url: \(url)
              dialect: llamacpp
              timeouts:
                first_byte: 2.5
                stall: 1
            template: \(Fixtures.qwenTemplate)
            parser: hermes
            failure_policy: strict
            stop: ["<|im_end|>"]
          - name: mistral
            backend: {url: "\(url)", dialect: ollama, model: mistral:7b}
            template: {file: "\(Fixtures.mistralTemplate)"}
            parser: mistral
            special_tokens: {bos_token: "<s>", eos_token: "</s>"}
            max_tokens: 256
          - name: llama
            backend: {url: "\(url)", dialect: openai}
            template: \(Fixtures.llamaTemplate)
            parser: llama3_json
            template_arguments: {date_string: 26 Jul 2024}
            stream_arguments: eager
        """
    }

    static func json(url: String) -> String {
        """
        {"listen": "127.0.0.1:0", "api_keys": ["sk-one", "sk-two"], "max_body_bytes": 65536,
         "call_table": {"max_bytes": 1048576, "ttl_seconds": 60},
         "models": [
          {"name": "qwen",
           "backend": {"url": "\(url)", "dialect": "llamacpp", "timeouts": {"first_byte": 2.5, "stall": 1}},
           "template": "\(Fixtures.qwenTemplate)", "parser": "hermes", "failure_policy": "strict",
           "stop": ["<|im_end|>"]},
          {"name": "mistral", "backend": {"url": "\(url)", "dialect": "ollama", "model": "mistral:7b"},
           "template": {"file": "\(Fixtures.mistralTemplate)"}, "parser": "mistral",
           "special_tokens": {"bos_token": "<s>", "eos_token": "</s>"}, "max_tokens": 256},
          {"name": "llama", "backend": {"url": "\(url)", "dialect": "openai"}, "template": "\(Fixtures.llamaTemplate)",
           "parser": "llama3_json", "template_arguments": {"date_string": "26 Jul 2024"}, "stream_arguments": "eager"}
         ]}
        """
    }

    static func write(_ text: String, suffix: String) throws -> String {
        let path = Fixtures.temporaryPath(suffix)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("a YAML and a JSON file with several models load the same configuration", arguments: [".yaml", ".json"])
    func loads(suffix: String) throws {
        let url = "http://127.0.0.1:9"
        let path = try Self.write(suffix == ".json" ? Self.json(url: url) : Self.yaml(url: url), suffix: suffix)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let configuration = try GatewayConfiguration.load(file: path)
        #expect(configuration.listenHost == "127.0.0.1")
        #expect(configuration.listenPort == 0)
        #expect(configuration.apiKeys == ["sk-one", "sk-two"])
        #expect(configuration.maxBodyBytes == 65536)
        #expect(configuration.callTableMaxBytes == 1_048_576)
        #expect(configuration.callTableTimeToLive == .seconds(60))
        #expect(configuration.models.map(\.name) == ["qwen", "mistral", "llama"])
        #expect(configuration.models.map(\.dialect) == ["llamacpp", "ollama", "openai"])
        #expect(configuration.models.map(\.parser) == ["hermes", "mistral", "llama3_json"])
        #expect(configuration.models.map(\.backendURL) == [url, url, url])
        let qwen = configuration.models[0], mistral = configuration.models[1], llama = configuration.models[2]
        #expect(qwen.template == .file(Fixtures.qwenTemplate))
        #expect(qwen.timeouts.firstByte == .milliseconds(2500))
        #expect(qwen.timeouts.stall == .seconds(1))
        #expect(qwen.timeouts.connect == ModelProfile.Timeouts().connect)
        #expect(qwen.failurePolicy == .strict)
        #expect(qwen.stop == ["<|im_end|>"])
        #expect(mistral.template == .file(Fixtures.mistralTemplate))
        #expect(mistral.backendModel == "mistral:7b")
        #expect(mistral.specialTokens.map(\.name) == ["bos_token", "eos_token"])
        #expect(mistral.specialTokens.map(\.value) == ["<s>", "</s>"])
        #expect(mistral.defaultMaxTokens == 256)
        #expect(mistral.failurePolicy == .lenient)
        #expect(llama.templateArguments["date_string"] == "26 Jul 2024")
        #expect(llama.streamArguments == "eager")
    }

    @Test("a gateway built from a YAML file serves its models")
    func servesLoadedModels() async throws {
        try await withGateway(configure: { configuration, fake in
            let path = try Self.write(Self.yaml(url: fake.baseURL), suffix: ".yaml")
            defer { try? FileManager.default.removeItem(atPath: path) }
            configuration = try GatewayConfiguration.load(file: path)
        }) { gateway in
            let auth = [("Authorization", "Bearer sk-two")]
            gateway.fake.enqueue(FakeReply(HermesOutput.oneCall),
                                 FakeReply("[TOOL_CALLS]get_weather[ARGS]{\"city\": \"Paris\"}"))
            let qwen = try await gateway.chat(Chat.request(model: "qwen"), headers: auth).chatResult(model: "qwen")
            #expect(qwen.problems.isEmpty, "\(qwen.problems)")
            #expect(qwen.toolCalls.map(\.name) == ["get_weather"])
            let mistral = try await gateway.chat(Chat.request(model: "mistral"), headers: auth)
                .chatResult(model: "mistral")
            #expect(mistral.problems.isEmpty, "\(mistral.problems)")
            #expect(mistral.toolCalls.map(\.name) == ["get_weather"])
            let id = mistral.toolCalls.first?.id ?? ""
            #expect(id.count == 9 && id.allSatisfy { $0.isLetter || $0.isNumber }, "Mistral-style ids: \(id)")
            let sent = gateway.completionRequests
            #expect(sent.map(\.path) == ["/completion", "/api/generate"])
            #expect(sent.first?.json?["stop"]?.arrayValue?.contains("<|im_end|>") == true)
            #expect(sent.last?.json?["model"] == "mistral:7b")
            #expect(sent.last?.json?["options"]?["num_predict"]?.numberValue?.intValue == 256)
            #expect(try await gateway.chat(Chat.request(model: "qwen")).status == 401)
        }
    }

    struct BadFile: Sendable, CustomTestStringConvertible {
        var name: String
        /// Replaces the first occurrence of `find` in the valid YAML.
        var find: String
        var replace: String
        var key: String?
        var mentions: String
        var testDescription: String { name }
    }

    static let badFiles = [
        BadFile(name: "an unknown dialect", find: "dialect: ollama", replace: "dialect: grpc",
                key: "models[1].backend.dialect", mentions: "'grpc' is not one of"),
        BadFile(name: "a misspelt model key", find: "    parser: mistral", replace: "    parserr: mistral",
                key: "models[1].parserr", mentions: "did you mean 'parser'?"),
        BadFile(name: "a misspelt top-level key", find: "max_body_bytes:", replace: "max_body_byte:",
                key: "max_body_byte", mentions: "did you mean 'max_body_bytes'?"),
        BadFile(name: "a misspelt timeout", find: "first_byte: 2.5", replace: "firstbyte: 2.5",
                key: "models[0].backend.timeouts.firstbyte", mentions: "did you mean 'first_byte'?"),
        BadFile(name: "a wrong type", find: "max_body_bytes: 65536", replace: "max_body_bytes: lots",
                key: "max_body_bytes", mentions: "expected an integer"),
        BadFile(name: "a negative timeout", find: "stall: 1", replace: "stall: -1",
                key: "models[0].backend.timeouts.stall", mentions: "positive"),
        BadFile(name: "a model defined twice", find: "- name: llama", replace: "- name: qwen",
                key: "models[2].name", mentions: "defined twice"),
        BadFile(name: "an unknown failure policy", find: "failure_policy: strict", replace: "failure_policy: loud",
                key: "models[0].failure_policy", mentions: "lenient, strict"),
        BadFile(name: "a constraint field the dialect does not take", find: "model: mistral:7b}",
                replace: "model: mistral:7b, constraint_field: grammar}", key: "models[1].backend.constraint_field",
                mentions: "not one the ollama dialect takes (format, none)"),
        BadFile(name: "a missing parser", find: "    parser: llama3_json\n", replace: "",
                key: "models[2].parser", mentions: "required"),
        BadFile(name: "broken YAML", find: "call_table:", replace: "call_table: [", key: nil,
                mentions: "not valid YAML"),
    ]

    @Test("a bad config file is refused with the file, the key path and what to change", arguments: badFiles)
    func refuses(_ bad: BadFile) throws {
        let valid = Self.yaml(url: "http://127.0.0.1:9")
        let range = try #require(valid.range(of: bad.find), "fixture text not found: \(bad.find)")
        let path = try Self.write(valid.replacingCharacters(in: range, with: bad.replace), suffix: ".yaml")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = try #require(throws: ConfigurationError.self) { try GatewayConfiguration.load(file: path) }
        #expect(error.file == path)
        #expect(error.key == bad.key, "\(error)")
        #expect(error.message.contains(bad.mentions), "\(error)")
        #expect(error.description.hasPrefix(path), "\(error)")
        if let key = bad.key { #expect(error.description.contains(key)) }
    }

    @Test("broken JSON and a missing file name the file")
    func unreadable() throws {
        let path = try Self.write("{\"models\": [", suffix: ".json")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let broken = try #require(throws: ConfigurationError.self) { try GatewayConfiguration.load(file: path) }
        #expect(broken.file == path)
        #expect(broken.message.contains("not valid JSON"), "\(broken)")
        let missing = try #require(throws: ConfigurationError.self) {
            try GatewayConfiguration.load(file: path + ".absent")
        }
        #expect(missing.file == path + ".absent")
    }

    @Test("a gateway refuses to start with an unknown parser, a missing template or no model")
    func startupErrors() async throws {
        let transport = try #require(Fixtures.transport)
        var unknownParser = GatewayConfiguration()
        var profile = Fixtures.qwenProfile("llamacpp", url: "http://127.0.0.1:9")
        profile.parser = "hermez"
        unknownParser.models = [profile]
        let parserError = await #expect(throws: ConfigurationError.self) {
            _ = try await Gateway.make(configuration: unknownParser, registry: Fixtures.registry, transport: transport,
                                       logger: Fixtures.logger)
        }
        #expect(parserError?.description.contains("model 'qwen-llamacpp': unknown parser 'hermez'") == true,
                "\(String(describing: parserError))")

        var missingTemplate = GatewayConfiguration()
        profile = Fixtures.qwenProfile("llamacpp", url: "http://127.0.0.1:9")
        profile.template = .file("/nonexistent/template.jinja")
        missingTemplate.models = [profile]
        let templateError = await #expect(throws: ConfigurationError.self) {
            _ = try await Gateway.make(configuration: missingTemplate, registry: Fixtures.registry,
                                       transport: transport, logger: Fixtures.logger)
        }
        #expect(templateError?.description.contains("/nonexistent/template.jinja") == true,
                "\(String(describing: templateError))")

        let empty = await #expect(throws: ConfigurationError.self) {
            _ = try await Gateway.make(configuration: GatewayConfiguration(), registry: Fixtures.registry,
                                       transport: transport, logger: Fixtures.logger)
        }
        #expect(empty?.description.contains("no model") == true)
    }
}
