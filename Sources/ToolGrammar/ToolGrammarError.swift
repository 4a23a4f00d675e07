/// Everything that can stop ToolGrammar from producing a constraint. The gateway treats each as "no
/// constraint for this request" (the prefill alone still forces the call) and logs it.
public enum ToolGrammarError: Error, Sendable, Equatable, CustomStringConvertible {
    /// GBNF text that a GBNF reader would reject or that could hang or crash one (a left-recursive rule, a
    /// rule that can never finish). `line` and `column` are 1-based; 0 when the problem is not at one place.
    case invalidGrammar(line: Int, column: Int, reason: String)
    /// A JSON schema that cannot be turned into a grammar (a `$ref` that points nowhere, a schema nested too
    /// deep); `path` is the JSON pointer of the offending part.
    case unsupportedSchema(path: String, reason: String)
    /// The family's call format cannot be constrained this way (its render template does not start with its
    /// prefill, a Python call with an argument name that is not an identifier, no JSON document for a
    /// JSON-schema backend).
    case unsupportedFormat(family: String, reason: String)
    /// `tool_choice` names a function that is not among the tools, or no tools were given.
    case unknownTool(name: String)
    /// The generated constraint failed its own check: the family's parser did not read a sample the
    /// constraint allows as the expected call. A bug in ToolGrammar or an unusual family file.
    case selfCheckFailed(family: String, tool: String, reason: String)

    public var description: String {
        switch self {
        case .invalidGrammar(let line, let column, let reason):
            return line > 0 ? "invalid grammar at \(line):\(column): \(reason)" : "invalid grammar: \(reason)"
        case .unsupportedSchema(let path, let reason):
            return "schema at '\(path.isEmpty ? "#" : path)': \(reason)"
        case .unsupportedFormat(let family, let reason):
            return "family '\(family)': \(reason)"
        case .unknownTool(let name):
            return "no tool named '\(name)' was offered"
        case .selfCheckFailed(let family, let tool, let reason):
            return "family '\(family)', tool '\(tool)': the constraint's own sample did not parse as the call (\(reason))"
        }
    }
}
