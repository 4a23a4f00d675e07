import Backends

/// The request field a backend takes a decoding constraint in (`backend.constraint_field`,
/// `--constraint-field`), which decides what toolgate sends for a forced tool call: a GBNF grammar or a JSON
/// schema of the call in the family's format.
///
/// Fields per dialect, its default first:
/// - `llamacpp`: `grammar` (GBNF), `json_schema`, `none`;
/// - `openai`: `none`, `grammar` (llama-cpp-python, GBNF), `guided_grammar` / `guided_json` (vLLM < 0.10),
///   `structured_outputs` (GBNF) / `structured_outputs.json` (vLLM ≥ 0.10);
/// - `tgi`: `grammar` (`{"type": "json", "value": schema}`), `none`;
/// - `ollama`: `format` (JSON schema), `none`.
///
/// `openai` defaults to `none`: the servers behind that API differ in what they take, and an unknown field
/// would surprise one.
public enum ConstraintField: String, Sendable, CaseIterable {
    case none
    case grammar
    case jsonSchema = "json_schema"
    case guidedGrammar = "guided_grammar"
    case guidedJSON = "guided_json"
    case structuredOutputs = "structured_outputs"
    case structuredOutputsJSON = "structured_outputs.json"
    case format

    /// What is sent in the field.
    enum Content {
        case gbnf
        case jsonSchema
    }

    /// The fields a dialect can use, its default first.
    static func fields(dialect: String) -> [ConstraintField] {
        switch dialect {
        case "llamacpp": return [.grammar, .jsonSchema, .none]
        case "openai": return [.none, .grammar, .guidedGrammar, .guidedJSON, .structuredOutputs, .structuredOutputsJSON]
        case "tgi": return [.grammar, .none]
        case "ollama": return [.format, .none]
        default: return [.none]
        }
    }

    /// The field named `name` (nil: the dialect's default), or an error listing the ones the dialect takes.
    static func resolve(_ name: String?, dialect: String) -> Result<ConstraintField, ConfigurationError> {
        let allowed = fields(dialect: dialect)
        guard let name else { return .success(allowed[0]) }
        guard let field = ConstraintField(rawValue: name), allowed.contains(field) else {
            return .failure(ConfigurationError("constraint field '\(name)' is not one the \(dialect) dialect takes ("
                                               + allowed.map(\.rawValue).joined(separator: ", ") + ")"))
        }
        return .success(field)
    }

    /// What goes in the field, for a dialect; nil for `none`.
    func content(dialect: String) -> Content? {
        switch self {
        case .none: return nil
        case .grammar: return dialect == "tgi" ? .jsonSchema : .gbnf
        case .guidedGrammar, .structuredOutputs: return .gbnf
        case .jsonSchema, .guidedJSON, .structuredOutputsJSON, .format: return .jsonSchema
        }
    }

    /// The fields an OpenAI-style server takes the constraint in.
    var openAIFields: OpenAICompletionsDialect.ConstraintFields {
        switch self {
        case .grammar: return .grammar
        case .structuredOutputs, .structuredOutputsJSON: return .structuredOutputs
        default: return .guided
        }
    }
}
