import JSON
import ToolParsing

/// Turns JSON schemas into grammar expressions for values written as JSON or as Python literals.
///
/// Supported: `type` (a name or a list; `string`, `number`, `integer`, `boolean`, `null`, `object`, `array`),
/// `enum`, `const`, `properties` with `required` (required keys always present, optional ones optional, all in
/// the schema's order), `additionalProperties`, `items` with `minItems`/`maxItems`, `anyOf`/`oneOf` (as a
/// choice; one-of-ness is not enforced), `allOf` (merged), local `$ref` (`#`, `#/$defs/…`, `#/definitions/…`,
/// any local pointer; recursion allowed), `minLength`/`maxLength` on strings without delimiters, `minimum` ≥ 0
/// / ≥ 1 on integers (no sign / no zero), `minimum` ≥ 0 on numbers, both bounds of an integer or a number when
/// they are integers at most 256 apart (numbers then without exponent), `pattern` in ``SchemaPattern``'s subset
/// (its length bounds then not enforced), OpenAPI's `nullable`. Every other keyword is ignored, which makes the
/// grammar looser than the schema: other `pattern`s, `format`, number bounds beyond the above,
/// `multipleOf`, `prefixItems`, `uniqueItems`, `patternProperties`, `not`, `if`/`then`/`else`, remote `$ref`.
///
/// An object with `properties` gets no keys besides them, whatever `additionalProperties` says (a model
/// inventing keys is what constraint is meant to stop); an object without `properties` takes any keys,
/// with values of the `additionalProperties` schema when that is one (none when it is `false`).
struct SchemaConverter {
    /// How values are written.
    enum Syntax: String, Sendable {
        case json
        /// Python literals (`'text'`, `True`, `None`, `{'k': 1}`), for pythonic calls.
        case python
    }

    struct Options: Sendable {
        /// Spaces or tabs allowed after a newline between tokens; whitespace between tokens is otherwise one
        /// space at most. Bounded so a model cannot loop on whitespace.
        var maximumIndent = 20
        /// Longest optional run written for `maxItems`/`maxLength`; beyond it the bound is not enforced.
        var maximumCount = 64
        /// Integer bounds at most this far apart are written as the values between them (`minimum` and
        /// `maximum` both given).
        var maximumRange = 256
        /// Deepest schema nesting followed.
        var maximumDepth = 48
    }

    var builder: GrammarBuilder
    let syntax: Syntax
    let options: Options
    /// Delimiters strings must not contain (the family's markers), or an empty automaton.
    let automaton: DelimiterAutomaton
    /// Rules made for `$ref` targets, by document scope and reference.
    private var referenceRules: [String: String] = [:]
    private var depth = 0

    init(builder: GrammarBuilder, syntax: Syntax, delimiters: [String] = [], options: Options = Options()) {
        self.builder = builder
        self.syntax = syntax
        self.options = options
        automaton = DelimiterAutomaton(delimiters)
    }

    /// The grammar of values valid under `schema` (a part of `document`); `name` names the rules made for it.
    mutating func value(_ schema: JSONValue, in document: SchemaDocument, path: String,
                        name: String) throws(ToolGrammarError) -> GrammarExpression
    {
        depth += 1
        defer { depth -= 1 }
        guard depth <= options.maximumDepth else {
            throw .unsupportedSchema(path: path, reason: "nested deeper than \(options.maximumDepth) levels")
        }
        switch schema {
        case .bool(true): return anyValue()
        case .bool(false): throw .unsupportedSchema(path: path, reason: "`false` allows no value")
        case .object(let object): return try value(object, in: document, path: path, name: name)
        default: return anyValue()
        }
    }

    private mutating func value(_ schema: JSONObject, in document: SchemaDocument, path: String,
                                name: String) throws(ToolGrammarError) -> GrammarExpression
    {
        if case .string(let reference)? = schema["$ref"] {
            return try self.reference(reference, siblings: schema, in: document, path: path)
        }
        if case .array(let parts)? = schema["allOf"] {
            var merged = schema
            merged.removeValue(forKey: "allOf")
            for (i, part) in parts.enumerated() {
                merged = SchemaDocument.merged(merged, try resolved(part, in: document, path: path + "/allOf/\(i)"))
            }
            return try value(.object(merged), in: document, path: path, name: name)
        }
        for keyword in ["anyOf", "oneOf"] {
            guard case .array(let branches)? = schema[keyword] else { continue }
            var siblings = schema
            siblings.removeValue(forKey: keyword)
            let hasSiblings = siblings.keys.contains { !Self.annotations.contains($0) }
            var alternatives: [GrammarExpression] = []
            for (i, branch) in branches.enumerated() {
                let branchPath = path + "/\(keyword)/\(i)"
                if hasSiblings, case .object(let object) = branch, object["$ref"] == nil {
                    let combined = SchemaDocument.merged(siblings, object)
                    alternatives.append(try value(.object(combined), in: document, path: branchPath, name: name))
                } else {
                    alternatives.append(try value(branch, in: document, path: branchPath, name: name))
                }
            }
            guard !alternatives.isEmpty else { throw .unsupportedSchema(path: path, reason: "an empty \(keyword)") }
            return nullable(schema, .choiceOf(alternatives))
        }
        if let constant = schema["const"] {
            guard let literal = try literal(for: constant, path: path + "/const") else {
                throw .unsupportedSchema(path: path, reason: "the const value cannot be written here")
            }
            return literal
        }
        if case .array(let values)? = schema["enum"] {
            let types = Self.typeNames(schema)
            var alternatives: [GrammarExpression] = []
            for value in values where types.isEmpty || types.contains(where: { Self.value(value, hasType: $0) }) {
                if let literal = try literal(for: value, path: path + "/enum") { alternatives.append(literal) }
            }
            guard !alternatives.isEmpty else {
                throw .unsupportedSchema(path: path, reason: "no enum value can be written here")
            }
            return nullable(schema, .choiceOf(alternatives))
        }
        var types = Self.typeNames(schema)
        if types.isEmpty { types = Self.impliedTypes(schema) }
        if types.isEmpty { return anyValue() }
        var alternatives: [GrammarExpression] = []
        for type in types {
            switch type {
            case "object": alternatives.append(try object(schema, in: document, path: path, name: name))
            case "array": alternatives.append(try array(schema, in: document, path: path, name: name))
            case "string": alternatives.append(try string(schema))
            case "integer": alternatives.append(integer(schema))
            case "number": alternatives.append(number(schema))
            case "boolean": alternatives.append(boolean())
            case "null": alternatives.append(null())
            default: alternatives.append(anyValue())  // an unknown type name: not enforced
            }
        }
        return nullable(schema, .choiceOf(alternatives))
    }

    /// Keywords that say nothing about valid values.
    static let annotations: Set<String> = ["title", "description", "default", "examples", "$comment", "deprecated",
                                           "readOnly", "writeOnly", "$schema", "$id", "$defs", "definitions"]

    /// The type names a schema lists (`type` as a string or a list), the loose spellings models' tool
    /// definitions use (`str`, `int`, `float`, `bool`, `dict`, `list`) read as the standard ones.
    static func typeNames(_ schema: JSONObject) -> [String] {
        let names: [String]
        switch schema["type"] {
        case .string(let name)?: names = [name]
        case .array(let list)?: names = list.compactMap(\.stringValue)
        default: names = []
        }
        return names.map { name in
            switch SchemaTyping.kind(named: name) {
            case .string?: return "string"
            case .integer?: return "integer"
            case .number?: return "number"
            case .boolean?: return "boolean"
            case .object?: return "object"
            case .array?: return "array"
            case .null?: return "null"
            case nil: return name
            }
        }
    }

    /// Types implied by keywords when `type` is absent (`properties` means an object).
    static func impliedTypes(_ schema: JSONObject) -> [String] {
        if schema["properties"] != nil || schema["required"] != nil || schema["additionalProperties"] != nil {
            return ["object"]
        }
        if schema["items"] != nil || schema["minItems"] != nil || schema["maxItems"] != nil { return ["array"] }
        if schema["minLength"] != nil || schema["maxLength"] != nil { return ["string"] }
        return []
    }

    static func value(_ value: JSONValue, hasType type: String) -> Bool {
        switch (type, value) {
        case ("string", .string), ("boolean", .bool), ("null", .null), ("object", .object), ("array", .array):
            return true
        case ("number", .number): return true
        case ("integer", .number(let n)): return n.isInteger
        default: return false
        }
    }

    /// OpenAPI's `nullable: true` adds null.
    private mutating func nullable(_ schema: JSONObject, _ expression: GrammarExpression) -> GrammarExpression {
        guard schema["nullable"]?.boolValue == true else { return expression }
        return .choiceOf([expression, null()])
    }

    /// A schema with its `$ref` followed, as an object (for merging).
    private func resolved(_ schema: JSONValue, in document: SchemaDocument,
                          path: String) throws(ToolGrammarError) -> JSONObject
    {
        var current = schema
        for _ in 0..<32 {
            guard case .object(let object) = current else { return [:] }
            guard case .string(let reference)? = object["$ref"] else { return object }
            guard let target = document.resolve(reference) else {
                throw .unsupportedSchema(path: path, reason: "cannot resolve $ref '\(reference)'")
            }
            var rest = object
            rest.removeValue(forKey: "$ref")
            current = target
            if rest.keys.contains(where: { !Self.annotations.contains($0) }), case .object(let t) = target {
                current = .object(SchemaDocument.merged(t, rest))
            }
        }
        throw .unsupportedSchema(path: path, reason: "$ref chain too long")
    }

    /// A rule per reference target, made once per document: recursive schemas refer back to it.
    private mutating func reference(_ reference: String, siblings: JSONObject, in document: SchemaDocument,
                                    path: String) throws(ToolGrammarError) -> GrammarExpression
    {
        guard reference.hasPrefix("#") else { return anyValue() }  // remote references are not followed
        guard let target = document.resolve(reference) else {
            throw .unsupportedSchema(path: path, reason: "cannot resolve $ref '\(reference)'")
        }
        var rest = siblings
        rest.removeValue(forKey: "$ref")
        if rest.keys.contains(where: { !Self.annotations.contains($0) }), case .object(let object) = target {
            return try value(.object(SchemaDocument.merged(object, rest)), in: document, path: path, name: "ref")
        }
        let key = "\(syntax.rawValue)|\(document.scope)|\(reference)"
        if let name = referenceRules[key] { return .reference(name) }
        let last = reference.split(separator: "/").last.map(String.init) ?? "root"
        let name = builder.reserve("\(document.scope)-\(reference == "#" ? "root" : last)")
        referenceRules[key] = name
        let expression = try value(target, in: document, path: String(reference.dropFirst()), name: name)
        builder.define(name, expression)
        return .reference(name)
    }
}
