public import JSON

/// One raw completion: a prompt string in, the model's raw text out.
///
/// Every dialect maps these fields to its own names (`n_predict`, `max_tokens`, `max_new_tokens`,
/// `options.num_predict`); a nil field is left out of the request so the backend's default applies.
public struct CompletionRequest: Sendable {
    /// The exact prompt, already rendered by the chat template (special tokens as text).
    public var prompt: String
    /// The model name sent to backends that need one (`openai`, `ollama`); ignored by the others.
    public var model: String?
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var seed: Int?
    /// Stop strings; the backend stops before them and does not include them in the output.
    public var stop: [String]
    /// Stream the output as it is generated (`CompletionEvent.text` per backend event).
    public var stream: Bool
    /// Special tokens the output must keep as text (a family's `<tool_call>`, `[TOOL_CALLS]`).
    /// llama.cpp drops special tokens from its output unless the server runs with `--special` or the
    /// request lists them in `preserved_tokens`; other dialects keep them through their own switch.
    public var preservedTokens: [String]
    /// A constraint on the output (grammar-constrained decoding), mapped by each dialect.
    public var constraint: CompletionConstraint?
    /// Extra top-level fields for the backend's JSON body, set after the dialect's own fields (an
    /// object-valued field such as Ollama's `options` is merged key by key with the dialect's).
    public var extra: JSONObject

    public init(
        prompt: String, model: String? = nil, maxTokens: Int? = nil, temperature: Double? = nil,
        topP: Double? = nil, seed: Int? = nil, stop: [String] = [], stream: Bool = false,
        preservedTokens: [String] = [], constraint: CompletionConstraint? = nil, extra: JSONObject = [:]
    ) {
        self.prompt = prompt
        self.model = model
        self.maxTokens = maxTokens
        self.temperature = temperature
        self.topP = topP
        self.seed = seed
        self.stop = stop
        self.stream = stream
        self.preservedTokens = preservedTokens
        self.constraint = constraint
        self.extra = extra
    }
}

/// A constraint on what the backend may generate. Dialects map it to their field: llama.cpp `json_schema` /
/// `grammar`, vLLM `guided_json` / `guided_grammar` / `guided_regex`, TGI `grammar`, Ollama `format`.
public enum CompletionConstraint: Sendable, Equatable {
    /// Output must be JSON matching this JSON Schema.
    case jsonSchema(JSONValue)
    /// Output must match this grammar (GBNF for llama.cpp, EBNF/Lark for vLLM).
    case grammar(String)
    /// Output must match this regular expression.
    case regex(String)
}
