import JSON

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
    enum RawKind: Hashable {
        case string, integer, number, boolean, object, array, null
    }

    /// The types the parser's typing allows for a schema: `type` (a name or list, with the loose spellings
    /// `str`, `int`, `float`, `bool`, `dict`, `list`, `none`), the branches of `anyOf`/`oneOf`, the kinds of an
    /// `enum`'s values when there is no type, `object` when only `properties` says so.
    static func rawKinds(_ schema: JSONValue?) -> Set<RawKind> {
        guard let schema else { return [] }
        var kinds = Set<RawKind>()
        switch schema["type"] {
        case .string(let name)?:
            if let kind = rawKind(named: name) { kinds.insert(kind) }
        case .array(let names)?:
            for case .string(let name) in names { if let kind = rawKind(named: name) { kinds.insert(kind) } }
        default:
            break
        }
        for key in ["anyOf", "oneOf"] {
            for branch in schema[key]?.arrayValue ?? [] { kinds.formUnion(rawKinds(branch)) }
        }
        if kinds.isEmpty, let values = schema["enum"]?.arrayValue {
            for value in values {
                switch value {
                case .string: kinds.insert(.string)
                case .number(let n): kinds.insert(n.isInteger ? .integer : .number)
                case .bool: kinds.insert(.boolean)
                case .null: kinds.insert(.null)
                case .array: kinds.insert(.array)
                case .object: kinds.insert(.object)
                }
            }
        }
        if kinds.isEmpty, schema["properties"] != nil { kinds.insert(.object) }
        return kinds
    }

    static func rawKind(named name: String) -> RawKind? {
        switch name.lowercased() {
        case "string", "str", "text": return .string
        case "integer", "int": return .integer
        case "number", "float", "double": return .number
        case "boolean", "bool": return .boolean
        case "object", "dict": return .object
        case "array", "list": return .array
        case "null", "none": return .null
        default: return nil
        }
    }

    /// The grammar of a raw parameter value; `trailing` is the format's text right after it.
    mutating func rawValue(_ schema: JSONValue?, in document: SchemaDocument, path: String, name: String,
                           trailing: String) throws(ToolGrammarError) -> GrammarExpression
    {
        let kinds = Self.rawKinds(schema)
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
            if names.contains(where: { rawKind(named: $0) == .string }) { return nil }
            restricted = true
        }
        for key in ["anyOf", "oneOf"] {
            for branch in object[key]?.arrayValue ?? [] where rawKinds(branch).contains(.string) {
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
            if rawKind(named: name) == .string { object.removeValue(forKey: "type") } else { left = true }
        } else if case .array(let names)? = object["type"] {
            let kept = names.filter { $0.stringValue.flatMap(rawKind(named:)) != .string }
            object["type"] = .array(kept)
            left = left || !kept.isEmpty
        }
        for key in ["anyOf", "oneOf"] {
            guard case .array(let branches)? = object[key] else { continue }
            let kept = branches.filter { rawKinds($0) != [.string] && !rawKinds($0).isEmpty }
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
