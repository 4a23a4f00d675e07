import Backends
import ChatTemplate
import Foundation
import Gateway
import JSON
import Logging
import ToolParsing

/// Paths, shared objects and model profiles of the gateway tests.
enum Fixtures {
    /// The repository root (this file is `Tests/GatewayTests/Support/Fixtures.swift`).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let templatesDirectory = repositoryRoot.appendingPathComponent("Tests/Fixtures/gateway/templates").path
    static let parsersDirectory = repositoryRoot.appendingPathComponent("parsers").path
    /// `../shared` next to the repository, when the project's shared fixtures are present.
    static let sharedTemplates = repositoryRoot.appendingPathComponent("../shared/fixtures/templates").standardized.path
    static var sharedAvailable: Bool { FileManager.default.fileExists(atPath: sharedTemplates + "/cases") }

    static let qwenTemplate = templatesDirectory + "/Qwen-Qwen2.5-7B-Instruct.jinja"
    static let qwen3Template = templatesDirectory + "/Qwen-Qwen3-0.6B.jinja"
    static let mistralTemplate = templatesDirectory + "/vllm-tool_chat_template_mistral.jinja"
    static let llamaTemplate = templatesDirectory + "/vllm-tool_chat_template_llama3.1_json.jinja"

    static let registry = FamilyRegistry(directories: [parsersDirectory])

    static func family(_ name: String) throws -> Family { try registry.family(named: name) }

    static let logger = Logger(label: "GatewayTests") { _ in SwiftLogNoOpLogHandler() }

    /// One libcurl transport for the whole test process, as the gateway uses one per process.
    static let transport: CurlTransport? = try? CurlTransport(logger: logger)

    static let dialects = ["llamacpp", "openai", "tgi", "ollama"]

    /// The path each dialect posts completions to (streamed, not streamed).
    static func completionPath(_ dialect: String, stream: Bool) -> String {
        switch dialect {
        case "llamacpp": return "/completion"
        case "openai": return "/v1/completions"
        case "tgi": return stream ? "/generate_stream" : "/generate"
        default: return "/api/generate"
        }
    }

    /// Qwen 2.5's template with the hermes parser, served over `dialect`: `qwen-<dialect>`.
    static func qwenProfile(_ dialect: String, url: String) -> ModelProfile {
        var profile = ModelProfile(name: "qwen-\(dialect)", backendURL: url, dialect: dialect,
                                   template: .file(qwenTemplate), parser: "hermes")
        profile.timeouts = roomyTimeouts
        return profile
    }

    /// Qwen 3's template (it drops the reasoning of turns before the last user message) with the hermes parser.
    static func qwen3Profile(url: String) -> ModelProfile {
        var profile = ModelProfile(name: "qwen3", backendURL: url, dialect: "llamacpp", template: .file(qwen3Template),
                                   parser: "hermes")
        profile.timeouts = roomyTimeouts
        return profile
    }

    /// Mistral 7B v0.3's tool template (vLLM's) with the mistral parser, over llama.cpp.
    static func mistralProfile(url: String) -> ModelProfile {
        var profile = ModelProfile(name: "mistral", backendURL: url, dialect: "llamacpp",
                                   template: .file(mistralTemplate), parser: "mistral")
        profile.specialTokens = [("bos_token", "<s>"), ("eos_token", "</s>")]
        profile.timeouts = roomyTimeouts
        return profile
    }

    /// Llama 3.1's JSON tool template (vLLM's) with the llama3_json parser, over an OpenAI-style server. The
    /// date is pinned (the template reads the clock otherwise).
    static func llamaProfile(url: String) -> ModelProfile {
        var profile = ModelProfile(name: "llama3", backendURL: url, dialect: "openai",
                                   template: .file(llamaTemplate), parser: "llama3_json")
        profile.specialTokens = [("bos_token", "<|begin_of_text|>"), ("eos_token", "<|eot_id|>")]
        profile.templateArguments = ["date_string": "26 Jul 2024"]
        profile.timeouts = roomyTimeouts
        return profile
    }

    /// Generous limits for tests that expect an answer (a loaded machine must not turn them into timeouts).
    static var roomyTimeouts: ModelProfile.Timeouts {
        var timeouts = ModelProfile.Timeouts()
        timeouts.connect = .seconds(10)
        timeouts.firstByte = .seconds(30)
        timeouts.stall = .seconds(30)
        timeouts.total = .seconds(60)
        return timeouts
    }

    /// A short first-byte deadline, for a backend that never starts to answer. `total` is the only deadline of a
    /// whole (not streamed) backend response, so it is short too.
    static var firstByteTimeouts: ModelProfile.Timeouts {
        var timeouts = roomyTimeouts
        timeouts.firstByte = .milliseconds(500)
        timeouts.total = .seconds(2)
        return timeouts
    }

    /// A short stall deadline, for a backend that stops mid-answer; the first byte may take its time (a loaded
    /// machine must not turn the start of the answer into a first-byte timeout).
    static var stallTimeouts: ModelProfile.Timeouts {
        var timeouts = roomyTimeouts
        timeouts.stall = .milliseconds(500)
        timeouts.total = .seconds(2)
        return timeouts
    }

    /// The prompt `toolgate render`'s engine makes of a conversation with a profile's template and tokens.
    static func render(_ profile: ModelProfile, messages: [JSONValue], tools: [JSONValue]?,
                       extra: JSONObject = [:]) throws -> String
    {
        guard case .file(let path) = profile.template else { throw FixtureError("profile has no template file") }
        let templates = try TemplateSource.load(path: path)
        let tokens = profile.specialTokens(over: templates.specialTokens)
        var arguments = profile.templateArguments
        for entry in extra { arguments[entry.key] = entry.value }
        let input = ChatRenderInput(messages: messages, tools: tools, addGenerationPrompt: true,
                                    specialTokens: tokens, extra: arguments)
        return try templates.select(hasTools: tools != nil).render(input)
    }

    /// A file path under the temporary directory, unique to this call.
    static func temporaryPath(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("toolgate-gwtests-\(UUID().uuidString)\(suffix)")
            .path
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Requests the tests send.
enum Chat {
    static let weatherTool: JSONValue = [
        "type": "function",
        "function": [
            "name": "get_weather", "description": "Current weather in a city.",
            "parameters": [
                "type": "object",
                "properties": [
                    "city": ["type": "string"], "unit": ["type": "string", "enum": ["celsius", "fahrenheit"]],
                ],
                "required": ["city"],
            ],
        ],
    ]

    static let timeTool: JSONValue = [
        "type": "function",
        "function": [
            "name": "get_time", "description": "Local time in a city.",
            "parameters": ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]],
        ],
    ]

    static let tools: [JSONValue] = [weatherTool, timeTool]

    static let question: JSONValue = ["role": "user", "content": "What's the weather and the time in Paris?"]

    /// A chat request body; `extra` fields are added last.
    static func request(model: String, messages: [JSONValue] = [question], tools: [JSONValue]? = Chat.tools,
                        stream: Bool = false, extra: JSONObject = [:]) -> JSONValue
    {
        var body: JSONObject = ["model": .string(model), "messages": .array(messages)]
        if let tools { body["tools"] = .array(tools) }
        if stream { body["stream"] = true }
        for entry in extra { body[entry.key] = entry.value }
        return .object(body)
    }
}

/// Raw model outputs in the hermes format (Qwen 2.5).
enum HermesOutput {
    static let plain = "The weather in Paris is mild today, 18 °C — enjoy it!"
    /// Compact arguments (`{"city":"Paris"}`): the template would write `{"city": "Paris"}`, so only the call
    /// table can put these exact bytes back in a later prompt.
    static let oneCall = #"<tool_call>\#n{"name": "get_weather", "arguments": {"city":"Paris",  "unit": "celsius"}}\#n"#
        + "</tool_call>"
    static let twoCalls = #"<tool_call>\#n{"name": "get_weather", "arguments": {"city": "Paris"}}\#n</tool_call>\#n"#
        + #"<tool_call>\#n{"name":"get_time","arguments":{"city":"Paris"}}\#n</tool_call>"#
    static let textAndCall = "Let me look that up for you.\n"
        + #"<tool_call>\#n{"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}\#n</tool_call>"#
    static let malformed = "<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": }\n</tool_call>"
}
