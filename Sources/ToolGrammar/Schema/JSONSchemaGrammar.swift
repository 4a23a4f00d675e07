public import JSON

/// JSON schema → grammar of the JSON texts that match it (the supported subset and its limits are listed on
/// ``SchemaConverter``, and in the module's README). Whitespace between tokens is bounded: nothing, a
/// space, or a newline and up to ``ToolCallConstraintOptions/maximumIndent`` spaces or tabs.
public enum JSONSchemaGrammar {
    /// The grammar; `root` matches a whole JSON text. Checked by ``GrammarChecker``.
    public static func grammar(for schema: JSONValue,
                               options: ToolCallConstraintOptions = ToolCallConstraintOptions())
        throws(ToolGrammarError) -> Grammar
    {
        var converterOptions = SchemaConverter.Options()
        converterOptions.maximumIndent = options.maximumIndent
        var converter = SchemaConverter(builder: GrammarBuilder(), syntax: .json, options: converterOptions)
        let root = converter.builder.reserve(Grammar.rootName)
        let expression = try converter.value(schema, in: SchemaDocument(root: schema, scope: "schema"), path: "",
                                             name: "value")
        converter.builder.define(root, expression)
        let grammar = converter.builder.grammar
        try GrammarChecker.check(grammar)
        return grammar
    }

    /// The grammar as GBNF text, checked after writing (parsed back as a backend would read it).
    public static func gbnf(for schema: JSONValue,
                            options: ToolCallConstraintOptions = ToolCallConstraintOptions())
        throws(ToolGrammarError) -> String
    {
        let text = try grammar(for: schema, options: options).gbnf
        try GrammarChecker.check(gbnf: text)
        return text
    }
}
