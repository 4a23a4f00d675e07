import JSON
import ToolParsing

/// Writes the GBNF grammar of a family's calls from its ``CallLayout``: the `render` template with `{name}`
/// replaced by each offered tool's name and the argument slots by the grammar of that tool's schema —
/// `{arguments}` as JSON, `{arguments:kwargs}` as Python keyword arguments, `{parameters}` as the family's
/// parameter template per property with raw values. The grammar starts where the prefill ends.
///
/// Free text inside a call (strings, raw values) avoids the family's delimiters (``CallLayout/bodyDelimiters``,
/// ``CallLayout/valueDelimiters``), so nothing the grammar allows ends a call early.
struct CallGrammarGenerator {
    /// A piece of a call being written: literal text or a grammar.
    enum Item {
        case text(String)
        case expression(GrammarExpression)
    }

    let family: Family
    let layout: CallLayout
    let tools: [OfferedTool]
    let options: ToolCallConstraintOptions
    private(set) var builder = GrammarBuilder()

    init(family: Family, tools: [OfferedTool], options: ToolCallConstraintOptions) {
        self.family = family
        self.layout = family.layout
        self.tools = tools
        self.options = options
    }

    private var converterOptions: SchemaConverter.Options {
        var converterOptions = SchemaConverter.Options()
        converterOptions.maximumIndent = options.maximumIndent
        return converterOptions
    }

    /// Delimiters for strings: the body's, and a value's too when the family has raw values.
    private var stringDelimiters: [String] { layout.bodyDelimiters + layout.valueDelimiters }

    /// Runs `body` with a converter that shares this generator's rules.
    private mutating func converting<T>(_ syntax: SchemaConverter.Syntax,
                                        _ body: (inout SchemaConverter) throws(ToolGrammarError) -> T)
        throws(ToolGrammarError) -> T
    {
        var converter = SchemaConverter(builder: builder, syntax: syntax, delimiters: stringDelimiters,
                                        options: converterOptions)
        defer { builder = converter.builder }
        return try body(&converter)
    }

    /// The grammar of the continuation after `prefill`: the forced call, then (`parallel`) up to
    /// `maximumCalls - 1` more, then the template's suffix. Also returns each tool's first-call expression
    /// for the self-check.
    mutating func grammar(_ call: ForcedCall, prefill: String,
                          parallel: Bool) throws(ToolGrammarError) -> (Grammar, [(OfferedTool, GrammarExpression)])
    {
        let forced: [OfferedTool]
        switch call {
        case .anyTool: forced = tools
        case .named(let name): forced = tools.filter { $0.name == name }
        }
        guard !forced.isEmpty else { throw .unknownTool(name: call.toolName ?? "(none)") }
        let root = builder.reserve(Grammar.rootName)
        var firsts: [(OfferedTool, GrammarExpression)] = []
        for tool in forced {
            let items = [Item.text(layout.prefix)] + (try callItems(tool, first: true))
            let rest = try strip(prefill, from: items)
            firsts.append((tool, builder.rule("first-\(tool.name)", .sequenceOf(rest.map(Self.expression)))))
        }
        var parts: [GrammarExpression] = [.choiceOf(firsts.map(\.1))]
        if parallel, case .anyTool = call, options.maximumCalls > 1 {
            var later: [GrammarExpression] = []
            for tool in tools {
                let items = try callItems(tool, first: false)
                later.append(builder.rule("call-\(tool.name)", .sequenceOf(items.map(Self.expression))))
            }
            let next = builder.rule("next-call", .sequenceOf([.literal(layout.separator), .choiceOf(later)]))
            parts.append(builder.repeated(next, min: 0, max: options.maximumCalls - 1, name: "more-calls"))
        }
        parts.append(.literal(layout.suffix))
        builder.define(root, .sequenceOf(parts))
        return (builder.grammar, firsts.map { ($0.0, GrammarExpression.sequenceOf([$0.1, .literal(layout.suffix)])) })
    }

    private static func expression(_ item: Item) -> GrammarExpression {
        switch item {
        case .text(let text): return .literal(text)
        case .expression(let expression): return expression
        }
    }

    /// The items after `prefill`, which must be the start of the items' literal text.
    private func strip(_ prefill: String, from items: [Item]) throws(ToolGrammarError) -> [Item] {
        var pending = Substring(prefill)
        var out: [Item] = []
        for item in items {
            guard !pending.isEmpty else {
                out.append(item)
                continue
            }
            switch item {
            case .text(let text):
                if pending.hasPrefix(text) {
                    pending = pending.dropFirst(text.count)
                } else if text.hasPrefix(pending) {
                    out.append(.text(String(text.dropFirst(pending.count))))
                    pending = ""
                } else {
                    throw .unsupportedFormat(family: family.name, reason: "the prefill '\(prefill)' is not how its "
                                             + "render template starts")
                }
            case .expression:
                throw .unsupportedFormat(family: family.name, reason: "the prefill '\(prefill)' runs past the "
                                         + "literal start of its render template")
            }
        }
        guard pending.isEmpty else {
            throw .unsupportedFormat(family: family.name, reason: "the prefill '\(prefill)' is longer than a call")
        }
        return out
    }

    /// One call of `tool` as the render template writes it; `first` is the turn's first call (index 0).
    private mutating func callItems(_ tool: OfferedTool, first: Bool) throws(ToolGrammarError) -> [Item] {
        var items: [Item] = []
        for piece in layout.call {
            switch piece {
            case .text(let text):
                items.append(.text(text))
            case .slot("name", _):
                items.append(.text(tool.name))
            case .slot("arguments", "kwargs"):
                items.append(.expression(try keywordArguments(tool)))
            case .slot("arguments", _):
                items.append(.expression(try jsonArguments(tool)))
            case .slot("parameters", _):
                items.append(.expression(try parameters(tool)))
            case .slot("index", _):
                items.append(first ? .text("0") : .expression(.sequenceOf([
                    .characters(CharacterClass([0x31...0x39])), .optional(SchemaConverter.digit),
                ])))
            case .slot("id", _):
                let character = GrammarExpression.characters(CharacterClass([0x30...0x39, 0x41...0x5A, 0x61...0x7A]))
                items.append(.expression(builder.shared("call-id") { _ in
                    .sequenceOf(Array(repeating: character, count: 9))
                }))
            case .slot(let name, _):
                throw .unsupportedFormat(family: family.name, reason: "unknown slot {\(name)} in its render template")
            }
        }
        return items
    }

    private func document(_ tool: OfferedTool) -> SchemaDocument {
        SchemaDocument(root: tool.parameters, scope: tool.name)
    }

    /// `{arguments}`: the tool's arguments object as JSON.
    private mutating func jsonArguments(_ tool: OfferedTool) throws(ToolGrammarError) -> GrammarExpression {
        let document = self.document(tool)
        return try converting(.json) { (converter) throws(ToolGrammarError) in
            try converter.value(tool.argumentsSchema, in: document, path: "", name: "\(tool.name)-args")
        }
    }

    /// The top-level object schema of a tool's arguments, with a top `$ref` and `allOf` followed.
    private func topObject(_ tool: OfferedTool) throws(ToolGrammarError) -> JSONObject {
        var schema = tool.argumentsSchema.objectValue ?? [:]
        for _ in 0..<16 {
            if case .string(let reference)? = schema["$ref"] {
                guard let target = document(tool).resolve(reference)?.objectValue else {
                    throw .unsupportedSchema(path: "", reason: "cannot resolve $ref '\(reference)'")
                }
                var rest = schema
                rest.removeValue(forKey: "$ref")
                schema = SchemaDocument.merged(target, rest)
            } else if case .array(let parts)? = schema["allOf"] {
                schema.removeValue(forKey: "allOf")
                for part in parts { schema = SchemaDocument.merged(schema, part.objectValue ?? [:]) }
            } else {
                return schema
            }
        }
        return schema
    }

    /// `{arguments:kwargs}`: `key=value, …` with Python literal values, required keys always, in order.
    private mutating func keywordArguments(_ tool: OfferedTool) throws(ToolGrammarError) -> GrammarExpression {
        let schema = try topObject(tool)
        let document = self.document(tool)
        let familyName = family.name
        return try converting(.python) { (converter) throws(ToolGrammarError) in
            let ws = converter.whitespace()
            let separator = GrammarExpression.sequenceOf([.literal(","), ws])
            guard let properties = SchemaConverter.properties(schema) else {
                let key = GrammarExpression.sequenceOf([
                    .characters(CharacterClass([0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])),
                    .zeroOrMore(.characters(CharacterClass([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]))),
                ])
                let item = GrammarExpression.sequenceOf([key, .literal("="), converter.anyValue()])
                return .optional(.sequenceOf([item, .zeroOrMore(.sequenceOf([separator, item]))]))
            }
            var items: [(GrammarExpression, required: Bool)] = []
            for property in properties {
                guard PythonText.isIdentifier(property.key) else {
                    if property.required {
                        throw .unsupportedFormat(family: familyName, reason: "'\(property.key)' of '\(tool.name)' "
                                                 + "cannot be a Python keyword argument")
                    }
                    continue
                }
                let value = try converter.value(property.schema, in: document, path: "/properties/\(property.key)",
                                                name: "\(tool.name)-\(property.key)")
                items.append((.sequenceOf([.literal(property.key + "="), value]), property.required))
            }
            guard !items.isEmpty else { return .literal("") }
            let list = converter.commaList(items, separator: separator, name: "\(tool.name)-kwargs")
            return items.contains(where: { $0.required }) ? list : .optional(list)
        }
    }

    /// `{parameters}`: the `parameter` template per property, in order, required ones always.
    private mutating func parameters(_ tool: OfferedTool) throws(ToolGrammarError) -> GrammarExpression {
        guard let template = layout.parameter else {
            throw .unsupportedFormat(family: family.name, reason: "{parameters} without a parameter template")
        }
        let schema = try topObject(tool)
        let document = self.document(tool)
        let delimiters = stringDelimiters
        return try converting(.json) { (converter) throws(ToolGrammarError) in
            guard let properties = SchemaConverter.properties(schema) else {
                let key = GrammarExpression.sequenceOf([
                    .characters(CharacterClass([0x41...0x5A, 0x5F...0x5F, 0x61...0x7A])),
                    .zeroOrMore(.characters(CharacterClass([0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]))),
                ])
                let parameter = try Self.parameter(template, key: key, converter: &converter) {
                    (converter, trailing) throws(ToolGrammarError) in
                    try converter.rawValue(nil, in: document, path: "", name: "\(tool.name)-value", trailing: trailing)
                }
                return .zeroOrMore(parameter)
            }
            var parts: [GrammarExpression] = []
            for property in properties {
                let automaton = DelimiterAutomaton(delimiters + [">", "\n"])
                guard automaton.run(property.key.unicodeScalars.map(\.value)) != nil else {
                    if property.required {
                        throw .unsupportedSchema(path: "/properties", reason: "the key '\(property.key)' cannot be a "
                                                 + "tag name")
                    }
                    continue
                }
                let parameter = try Self.parameter(template, key: .literal(property.key), converter: &converter) {
                    (converter, trailing) throws(ToolGrammarError) in
                    try converter.rawValue(property.schema, in: document, path: "/properties/\(property.key)",
                                           name: "\(tool.name)-\(property.key)", trailing: trailing)
                }
                parts.append(property.required ? parameter : .optional(parameter))
            }
            return .sequenceOf(parts)
        }
    }

    /// One `parameter` template instance: `{key}` as given, `{value}` by `value(trailing text)`.
    private static func parameter(_ template: [CallLayout.Piece], key: GrammarExpression,
                                  converter: inout SchemaConverter,
                                  value: (inout SchemaConverter, String) throws(ToolGrammarError) -> GrammarExpression)
        throws(ToolGrammarError) -> GrammarExpression
    {
        var parts: [GrammarExpression] = []
        for (i, piece) in template.enumerated() {
            switch piece {
            case .text(let text):
                parts.append(.literal(text))
            case .slot("key", _):
                parts.append(key)
            case .slot("value", _):
                var trailing = ""
                for next in template[(i + 1)...] {
                    guard case .text(let text) = next else { break }
                    trailing += text
                }
                parts.append(try value(&converter, trailing))
            case .slot(let name, _):
                throw .unsupportedFormat(family: "", reason: "unknown slot {\(name)} in the parameter template")
            }
        }
        return .sequenceOf(parts)
    }
}

extension ForcedCall {
    var toolName: String? {
        if case .named(let name) = self { return name }
        return nil
    }
}
