public import JSON
public import ToolParsing

/// Makes the constraint for a forced tool call (`tool_choice: "required"` or a named function) in a family's
/// own format.
///
/// ```swift
/// let builder = ToolCallConstraintBuilder(family: hermes, tools: request.tools)
/// let constraint = try builder.gbnf(.anyTool, parallel: true)
/// // prompt += constraint.prefill; send constraint.form as the backend's grammar
/// ```
///
/// Every constraint is checked before it is returned: a GBNF grammar by ``GrammarChecker`` (so no backend is
/// sent a grammar it cannot load — llama-cpp-python's server dies on one), and, with
/// ``ToolCallConstraintOptions/selfCheck``, each tool's shortest allowed call is parsed by the family's own
/// parser after the prefill and must come out as that call.
public struct ToolCallConstraintBuilder: Sendable {
    public let family: Family
    public let tools: [OfferedTool]
    public let options: ToolCallConstraintOptions
    /// The request's tools as given, for the parser's schema typing in the self-check.
    private let toolsJSON: JSONValue

    public init(family: Family, tools: [JSONValue], options: ToolCallConstraintOptions = ToolCallConstraintOptions()) {
        self.family = family
        self.tools = OfferedTool.list(tools)
        self.options = options
        toolsJSON = .array(tools)
    }

    /// A GBNF grammar for the continuation after the family's prefill (`Family.prefill(functionName:)`):
    /// one call (`parallel` false or a named function) or up to ``ToolCallConstraintOptions/maximumCalls``.
    public func gbnf(_ call: ForcedCall, parallel: Bool) throws(ToolGrammarError) -> ToolCallConstraint {
        guard !tools.isEmpty else { throw .unknownTool(name: call.toolName ?? "(no tools)") }
        if case .named(let name) = call, !tools.contains(where: { $0.name == name }) { throw .unknownTool(name: name) }
        guard let prefill = family.prefill(functionName: call.toolName) else {
            throw .unsupportedFormat(family: family.name, reason: "it has no prefill for a forced call")
        }
        var generator = CallGrammarGenerator(family: family, tools: tools, options: options)
        let (grammar, firsts) = try generator.grammar(call, prefill: prefill, parallel: parallel)
        let text = grammar.gbnf
        // The text that goes out is what is checked: parsed back exactly as a backend would read it.
        try GrammarChecker.check(gbnf: text)
        if options.selfCheck {
            for (tool, expression) in firsts {
                guard let sample = grammar.shortestText(expression) else {
                    throw .selfCheckFailed(family: family.name, tool: tool.name, reason: "the call can never finish")
                }
                try selfCheck(prefill: prefill, output: sample, tool: tool)
            }
        }
        return ToolCallConstraint(form: .gbnf(text), prefill: prefill)
    }

    /// Parses `prefill + output` with the family's parser: it must be exactly one call of `tool` whose
    /// arguments are a JSON object, with nothing malformed.
    func selfCheck(prefill: String, output: String, tool: OfferedTool) throws(ToolGrammarError) {
        let parsed = family.parse(output, options: ParserOptions(tools: ToolSchemas(tools: toolsJSON), prefill: prefill))
        let fail = { (reason: String) -> ToolGrammarError in
            .selfCheckFailed(family: family.name, tool: tool.name, reason: "\(reason); output: \(output)")
        }
        guard parsed.diagnostics.isEmpty else { throw fail("\(parsed.diagnostics.map(\.description))") }
        guard parsed.toolCalls.count == 1, let call = parsed.toolCalls.first else {
            throw fail("\(parsed.toolCalls.count) calls")
        }
        guard call.name == tool.name else { throw fail("the call names '\(call.name)'") }
        guard case .object? = try? JSONParser().parse(call.arguments) else {
            throw fail("the arguments are not a JSON object")
        }
    }
}
