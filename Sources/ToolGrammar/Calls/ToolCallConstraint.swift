public import JSON

/// What a backend is asked to enforce so the model's continuation is a call in its family's own format.
///
/// The gateway appends ``prefill`` to the prompt (and starts the family's parser with it), then sends the
/// constraint: the backend may only generate text that, after the prefill, completes a call to an offered
/// tool with arguments matching that tool's JSON schema.
public struct ToolCallConstraint: Sendable, Equatable {
    public enum Form: Sendable, Equatable {
        /// A GBNF grammar (llama.cpp `grammar`, llama-cpp-python `grammar`, vLLM `guided_grammar` /
        /// `structured_outputs.grammar` with xgrammar), checked by ``GrammarChecker``.
        case gbnf(String)
        /// A JSON schema of the whole continuation, which is one JSON document (vLLM `guided_json`, TGI
        /// `grammar: {"type": "json"}`, Ollama `format`, llama.cpp `json_schema`).
        case jsonSchema(JSONValue)
    }

    public var form: Form
    /// The text to append to the prompt; the constraint describes what follows it. Empty when the document
    /// starts the call (Llama 3's `{"name": …}`).
    public var prefill: String

    public init(form: Form, prefill: String) {
        self.form = form
        self.prefill = prefill
    }
}

/// Which call the constraint forces.
public enum ForcedCall: Sendable, Equatable {
    /// `tool_choice: "required"`: any offered tool.
    case anyTool
    /// `tool_choice: {"type": "function", "function": {"name": …}}`: this one.
    case named(String)
}

/// One tool of a request: its name and the JSON schema of its arguments.
public struct OfferedTool: Sendable, Equatable {
    public var name: String
    public var parameters: JSONValue

    public init(name: String, parameters: JSONValue) {
        self.name = name
        self.parameters = parameters
    }

    /// The tools of an OpenAI `tools` array (`{"type": "function", "function": {"name", "parameters"}}`, or
    /// bare `{"name", "parameters"}`); entries without a name are skipped, a repeated name keeps its first.
    public static func list(_ tools: [JSONValue]) -> [OfferedTool] {
        var out: [OfferedTool] = []
        for tool in tools {
            let function = tool["function"] ?? tool
            guard let name = function["name"]?.stringValue, !name.isEmpty,
                  !out.contains(where: { $0.name == name }) else { continue }
            out.append(OfferedTool(name: name, parameters: function["parameters"] ?? .object([:])))
        }
        return out
    }

    /// The arguments schema as an object schema: a schema that says nothing about its type (`{}`, only a
    /// description) is taken as an object with free keys, since arguments are always an object.
    var argumentsSchema: JSONValue {
        guard case .object(var object) = parameters else { return ["type": "object"] }
        let decisive: Set<String> = ["type", "properties", "required", "additionalProperties", "$ref", "allOf",
                                     "anyOf", "oneOf", "enum", "const"]
        if !object.keys.contains(where: decisive.contains) { object["type"] = "object" }
        return .object(object)
    }
}

/// Limits of the generated constraints.
public struct ToolCallConstraintOptions: Sendable, Equatable {
    /// With `parallel_tool_calls`, at most this many calls (a bound keeps a looping model from calling
    /// forever).
    public var maximumCalls = 8
    /// Spaces or tabs allowed after a newline between JSON tokens.
    public var maximumIndent = 20
    /// Whether to run the self-check: each tool's shortest allowed call, after the prefill, must parse with
    /// the family's parser as that call with arguments valid under its schema.
    public var selfCheck = true

    public init() {}
}
