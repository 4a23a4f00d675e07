import JSON
import ToolParsing

/// Parameter values written as raw text between tags (Qwen3-Coder's `<parameter=city>Paris</parameter>`, GLM's
/// `<arg_value>`), which the family's parser types by the parameter's schema (ToolParsing's `SchemaTyping`):
/// a string-only (or unknown) schema keeps the text as is; otherwise the text is read as an integer, number,
/// boolean, `null`, object or array when the schema allows that, and stays a string when none fits.
///
/// The grammar writes exactly what that typing turns into a valid value: a JSON literal of each non-string
/// type the schema allows, and raw text when it allows strings (the enum's strings when it has one). When
/// objects or arrays are allowed too, raw text may not start with `{`, `[`, `(` or whitespace, which the
/// typing would read as an object or array. Like the parser, this does not follow `$ref` for the typing
/// (a `$ref` parameter is read as a string).
extension SchemaConverter {
    /// The grammar of a raw parameter value; `trailing` is the format's text right after it.
    mutating func rawValue(_ schema: JSONValue?, in document: SchemaDocument, path: String, name: String,
                           trailing: String) throws(ToolGrammarError) -> GrammarExpression
    {
        let kinds = SchemaTyping.allowedKinds(schema)
        let enumStrings = Self.stringEnum(schema)
        if kinds.isEmpty || kinds == [.string] {
            if let enumStrings { return try rawLiterals(enumStrings, restricted: false) }
            return rawText(name: "raw-text", trailing: trailing)
        }
        var alternatives: [GrammarExpression] = []
        if let schema, let typed = Self.withoutStrings(schema) {
            alternatives.append(try value(typed, in: document, path: path, name: name))
        }
        if kinds.contains(.string) {
            let restricted = kinds.contains(.object) || kinds.contains(.array)
            if let enumStrings {
                alternatives.append(try rawLiterals(enumStrings, restricted: restricted))
            } else if restricted {
                alternatives.append(restrictedRawText(trailing: trailing))
            } else {
                alternatives.append(rawText(name: "raw-text", trailing: trailing))
            }
        }
        guard !alternatives.isEmpty else { throw .unsupportedSchema(path: path, reason: "no value can be written") }
        return .choiceOf(alternatives)
    }

    /// Any text without the delimiters.
    private mutating func rawText(name: String, trailing: String) -> GrammarExpression {
        let key = "\(name)-\(GrammarBuilder.sanitized(trailing))"
        if builder.has(key + "-0") { return .reference(key + "-0") }
        return builder.delimitedText(name: key, allowed: Self.anyScalar, escape: nil, automaton: automaton,
                                     trailing: trailing)
    }

    /// Raw text that the typing cannot read as an object or array: empty, or starting with a character that
    /// is not whitespace, `{`, `[`, `(` or a delimiter's.
    private mutating func restrictedRawText(trailing: String) -> GrammarExpression {
        var excluded = Set("{[( \t\n\r".unicodeScalars.map(\.value))
        excluded.formUnion(automaton.alphabet)
        let first = GrammarExpression.characters(Self.anyScalar.subtracting(excluded))
        return .optional(.sequenceOf([first, rawText(name: "raw-text", trailing: trailing)]))
    }

    private func rawLiterals(_ values: [String], restricted: Bool) throws(ToolGrammarError) -> GrammarExpression {
        var alternatives: [GrammarExpression] = []
        var empty = false
        for value in values {
            if !automaton.isEmpty, automaton.run(value.unicodeScalars.map(\.value)) == nil { continue }
            if restricted, let first = value.unicodeScalars.first, "{[( \t\n\r".unicodeScalars.contains(first) {
                continue
            }
            if value.isEmpty { empty = true } else { alternatives.append(.literal(value)) }
        }
        guard !alternatives.isEmpty else {
            if empty { return .literal("") }
            throw .unsupportedSchema(path: "", reason: "no enum value can be written as raw text")
        }
        return empty ? .optional(.choiceOf(alternatives)) : .choiceOf(alternatives)
    }

    static let anyScalar = CharacterClass([0x01...0x10FFFF])

    /// The strings a schema allows when it allows only certain ones (`enum`/`const` on every string part, the
    /// branches of `anyOf`/`oneOf` included); nil when some string part takes any string.
    static func stringEnum(_ schema: JSONValue?) -> [String]? {
        guard case .object(let object)? = schema else { return nil }
        if case .string(let constant)? = object["const"] { return [constant] }
        if case .array(let values)? = object["enum"] { return values.compactMap(\.stringValue) }
        var strings: [String] = []
        var restricted = false
        if let type = object["type"] {
            let names = type.stringValue.map { [$0] } ?? (type.arrayValue ?? []).compactMap(\.stringValue)
            if names.contains(where: { SchemaTyping.kind(named: $0) == .string }) { return nil }
            restricted = true
        }
        for key in ["anyOf", "oneOf"] {
            for branch in object[key]?.arrayValue ?? [] where SchemaTyping.allowedKinds(branch).contains(.string) {
                guard let values = stringEnum(branch) else { return nil }
                strings += values.filter { !strings.contains($0) }
                restricted = true
            }
        }
        return restricted || !strings.isEmpty ? strings : nil
    }

    /// The schema without its string part (for the JSON-literal alternatives), or nil when nothing is left.
    static func withoutStrings(_ schema: JSONValue) -> JSONValue? {
        guard case .object(var object) = schema else { return nil }
        var left = false
        if case .string(let name)? = object["type"] {
            if SchemaTyping.kind(named: name) == .string { object.removeValue(forKey: "type") } else { left = true }
        } else if case .array(let names)? = object["type"] {
            let kept = names.filter { $0.stringValue.flatMap(SchemaTyping.kind(named:)) != .string }
            object["type"] = .array(kept)
            left = left || !kept.isEmpty
        }
        for key in ["anyOf", "oneOf"] {
            guard case .array(let branches)? = object[key] else { continue }
            let kept = branches.filter { SchemaTyping.allowedKinds($0) != [.string] && !SchemaTyping.allowedKinds($0).isEmpty }
            if kept.isEmpty { object.removeValue(forKey: key) } else { object[key] = .array(kept) }
            left = left || !kept.isEmpty
        }
        if case .array(let values)? = object["enum"] {
            let kept = values.filter { $0.stringValue == nil }
            if kept.isEmpty { object.removeValue(forKey: "enum") } else { object["enum"] = .array(kept) }
            left = left || !kept.isEmpty
        }
        if !left, object["properties"] != nil { left = true }
        return left ? .object(object) : nil
    }
}
