public import JSON

/// What a served model name means: where its backend is, how to render its prompts, how to read its output.
public struct ModelProfile: Sendable {
    /// Where the chat template comes from.
    public enum TemplateSource: Sendable, Equatable {
        /// A `.jinja` file.
        case file(String)
        /// A Hugging Face `tokenizer_config.json` (its `chat_template`, and `bos_token`/`eos_token`).
        case tokenizerConfig(String)
        /// The template text itself.
        case inline(String)
        /// Fetched from the backend (llama.cpp `GET /props`).
        case backend
    }

    /// What to do with a tool call that does not parse.
    public enum FailurePolicy: String, Sendable {
        /// Return the text as content and log a warning.
        case lenient
        /// Fail the request with a 502 that carries the raw text.
        case strict
    }

    public struct Timeouts: Sendable, Equatable {
        public var connect: Duration = .seconds(5)
        public var firstByte: Duration = .seconds(120)
        public var total: Duration = .seconds(600)
        public var stall: Duration = .seconds(60)

        public init() {}
    }

    /// The public model name clients send in `model`.
    public var name: String
    public var backendURL: String
    /// `llamacpp`, `openai`, `tgi`, `ollama` or `replay`.
    public var dialect: String
    /// Sent to the backend as `Authorization: Bearer` (never logged).
    public var backendAPIKey: String?
    /// The model name to send to backends that need one (OpenAI-style and Ollama); defaults to `name`.
    public var backendModel: String?
    public var timeouts = Timeouts()
    public var template: TemplateSource
    /// The parser family (`hermes`, `llama3_json`, `mistral`, `qwen3_coder`, `pythonic`, or a plugin).
    public var parser: String
    /// Reasoning markers override: nil = the family's own, `none` = no reasoning, else a marker pair name.
    public var reasoning: String?
    /// True when the prompt opens a reasoning block the output continues (the model's template forces it open).
    public var startsInReasoning = false
    /// Named special tokens for the template (`bos_token`, `eos_token`, ...), in the order given.
    public var specialTokens: [(name: String, value: String)] = []
    /// Stop strings always sent to the backend (e.g. the end-of-turn token).
    public var stop: [String] = []
    /// `openai` (`call_` + 24 alphanumerics) or `mistral` (9 alphanumerics); nil = the family's choice.
    public var idStyle: String?
    public var failurePolicy: FailurePolicy = .lenient
    /// `validated` (a call is released once complete and parsed) or `eager` (arguments stream as produced).
    public var streamArguments = "validated"
    /// Default for `max_tokens` when a request gives none.
    public var defaultMaxTokens: Int?
    /// Extra template variables (`enable_thinking`, ...) merged under each request's `chat_template_kwargs`.
    public var templateArguments: JSONObject = [:]
    /// Whether to constrain decoding with a grammar for `tool_choice: required` / a named tool, where the backend can.
    public var constrain = true
    /// The request field the backend takes a constraint in (``ConstraintField``); nil = the dialect's default.
    public var constraintField: String?
    /// For the replay dialect: answer an unknown prompt by its last user message (demos only).
    public var replayMatchLastUserMessage = false

    public init(name: String, backendURL: String, dialect: String, template: TemplateSource, parser: String) {
        self.name = name
        self.backendURL = backendURL
        self.dialect = dialect
        self.template = template
        self.parser = parser
    }
}

extension ModelProfile {
    static let knownDialects: Set<String> = ["llamacpp", "openai", "tgi", "ollama", "replay"]

    init(_ config: ConfigReader) throws(ConfigurationError) {
        try config.rejectUnknownKeys(["name", "backend", "template", "parser", "reasoning", "starts_in_reasoning",
                                      "special_tokens", "stop", "id_style", "failure_policy", "stream_arguments",
                                      "max_tokens", "template_arguments", "constrain"])
        guard let backend = try config.object("backend") else { throw config.fail("backend", "is required") }
        try backend.rejectUnknownKeys(["url", "dialect", "api_key", "api_key_env", "model", "timeouts",
                                       "match_last_user_message", "constraint_field"])
        let dialect = try backend.requiredString("dialect")
        guard Self.knownDialects.contains(dialect) else {
            throw backend.fail("dialect", "'\(dialect)' is not one of \(Self.knownDialects.sorted().joined(separator: ", "))")
        }
        // A replay backend's "url" is a capture file: a path like the others.
        let url = dialect == "replay" ? backend.resolve(path: try backend.requiredString("url"))
            : try backend.requiredString("url")
        self.init(name: try config.requiredString("name"), backendURL: url, dialect: dialect,
                  template: try Self.templateSource(config), parser: try config.requiredString("parser"))
        backendAPIKey = try backend.string("api_key")
        if let variable = try backend.string("api_key_env") {
            guard let value = Environment.value(variable) else {
                throw backend.fail("api_key_env", "the environment variable \(variable) is not set")
            }
            backendAPIKey = value
        }
        backendModel = try backend.string("model")
        constraintField = try backend.string("constraint_field")
        if case .failure(let error) = ConstraintField.resolve(constraintField, dialect: dialect) {
            throw backend.fail("constraint_field", error.message)
        }
        replayMatchLastUserMessage = try backend.bool("match_last_user_message") ?? false
        if let timeouts = try backend.object("timeouts") {
            try timeouts.rejectUnknownKeys(["connect", "first_byte", "total", "stall"])
            func seconds(_ key: String) throws(ConfigurationError) -> Duration? {
                guard let s = try timeouts.number(key) else { return nil }
                guard s > 0 else { throw timeouts.fail(key, "must be a positive number of seconds") }
                return .milliseconds(Int64(s * 1000))
            }
            if let v = try seconds("connect") { self.timeouts.connect = v }
            if let v = try seconds("first_byte") { self.timeouts.firstByte = v }
            if let v = try seconds("total") { self.timeouts.total = v }
            if let v = try seconds("stall") { self.timeouts.stall = v }
        }
        reasoning = try config.string("reasoning")
        startsInReasoning = try config.bool("starts_in_reasoning") ?? false
        if let tokens = try config.object("special_tokens") {
            for entry in tokens.object {
                guard case .string(let value) = entry.value else { throw tokens.fail(entry.key, "expected a string") }
                specialTokens.append((entry.key, value))
            }
        }
        stop = try config.strings("stop") ?? []
        idStyle = try config.string("id_style")
        if let style = idStyle, !["openai", "mistral"].contains(style) {
            throw config.fail("id_style", "'\(style)' is not one of openai, mistral")
        }
        if let policy = try config.string("failure_policy") {
            guard let value = FailurePolicy(rawValue: policy) else {
                throw config.fail("failure_policy", "'\(policy)' is not one of lenient, strict")
            }
            failurePolicy = value
        }
        if let mode = try config.string("stream_arguments") {
            guard ["validated", "eager"].contains(mode) else {
                throw config.fail("stream_arguments", "'\(mode)' is not one of validated, eager")
            }
            streamArguments = mode
        }
        defaultMaxTokens = try config.integer("max_tokens")
        templateArguments = try config.object("template_arguments")?.object ?? [:]
        constrain = try config.bool("constrain") ?? true
    }

    private static func templateSource(_ config: ConfigReader) throws(ConfigurationError) -> TemplateSource {
        guard let value = config.value("template") else {
            throw config.fail("template", "is required: a .jinja file, a tokenizer_config.json, or 'backend'")
        }
        switch value {
        case .string(let s):
            return try TemplateSource(argument: s == "backend" ? s : config.resolve(path: s))
        case .object:
            guard let template = try config.object("template") else { return .backend }
            try template.rejectUnknownKeys(["file", "tokenizer_config", "inline", "from_backend"])
            if let file = try template.path("file") { return .file(file) }
            if let file = try template.path("tokenizer_config") { return .tokenizerConfig(file) }
            if let text = try template.string("inline") { return .inline(text) }
            if try template.bool("from_backend") == true { return .backend }
            throw config.fail("template", "give one of file, tokenizer_config, inline, from_backend")
        default:
            throw config.fail("template", "expected a path or a mapping, found \(value.typeName)")
        }
    }
}

extension ModelProfile.TemplateSource {
    /// From a command-line or config string: `backend`, a `tokenizer_config.json` path, or a template file.
    public init(argument: String) throws(ConfigurationError) {
        if argument == "backend" {
            self = .backend
        } else if argument.hasSuffix(".json") {
            self = .tokenizerConfig(argument)
        } else {
            self = .file(argument)
        }
    }
}
