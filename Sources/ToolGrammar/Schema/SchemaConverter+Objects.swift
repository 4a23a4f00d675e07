import JSON

/// Objects and arrays.
extension SchemaConverter {
    /// One property of an object schema, in schema order.
    struct Property {
        var key: String
        var schema: JSONValue
        var required: Bool
    }

    /// The properties of an object schema: `properties` in order, then required keys it does not list (any
    /// value); nil when the schema has neither (an object with free keys).
    static func properties(_ schema: JSONObject) -> [Property]? {
        let required = Set((schema["required"]?.arrayValue ?? []).compactMap(\.stringValue))
        let declared = schema["properties"]?.objectValue
        guard declared != nil || !required.isEmpty else { return nil }
        var properties: [Property] = []
        for entry in declared ?? [:] {
            properties.append(Property(key: entry.key, schema: entry.value, required: required.contains(entry.key)))
        }
        for case .string(let key) in schema["required"]?.arrayValue ?? [] where declared?[key] == nil {
            if !properties.contains(where: { $0.key == key }) {
                properties.append(Property(key: key, schema: .object([:]), required: true))
            }
        }
        return properties
    }

    mutating func object(_ schema: JSONObject, in document: SchemaDocument, path: String,
                         name: String) throws(ToolGrammarError) -> GrammarExpression
    {
        let ws = whitespace()
        guard let properties = Self.properties(schema) else {
            return try freeObject(schema, in: document, path: path, name: name)
        }
        var members: [(GrammarExpression, required: Bool)] = []
        for property in properties {
            guard let key = try literal(for: .string(property.key), path: path + "/properties") else {
                if property.required {
                    throw .unsupportedSchema(path: path, reason: "the key '\(property.key)' holds a delimiter")
                }
                continue
            }
            let valueName = "\(name)-\(property.key)"
            let value = try self.value(property.schema, in: document, path: path + "/properties/\(property.key)",
                                       name: valueName)
            let member = GrammarExpression.sequenceOf([key, ws, .literal(":"), ws, value])
            members.append((member, property.required))
        }
        let separator = GrammarExpression.sequenceOf([ws, .literal(","), ws])
        let body = rule(name, .sequenceOf([.literal("{"), ws, list(members, separator: separator, name: name),
                                           .literal("}")]))
        return body
    }

    /// `{ws (members ws)? }` when every member is optional, `{ws members ws}` otherwise.
    private mutating func list(_ items: [(GrammarExpression, required: Bool)], separator: GrammarExpression,
                               name: String) -> GrammarExpression
    {
        let ws = whitespace()
        guard !items.isEmpty else { return .literal("") }
        let members = commaList(items, separator: separator, name: name)
        if items.contains(where: { $0.required }) { return .sequenceOf([members, ws]) }
        return .optional(.sequenceOf([members, ws]))
    }

    /// The members in order, each optional one optional, separated by `separator`, at least one present;
    /// required members are always present (so nothing is ambiguous about which comma belongs to whom).
    mutating func commaList(_ items: [(GrammarExpression, required: Bool)], separator: GrammarExpression,
                            name: String) -> GrammarExpression
    {
        // after[i]: items i… each written with a separator before it.
        var after: [GrammarExpression] = Array(repeating: .literal(""), count: items.count + 1)
        for i in stride(from: items.count - 1, through: 0, by: -1) {
            let item = GrammarExpression.sequenceOf([separator, items[i].0])
            after[i] = .sequenceOf([items[i].required ? item : .optional(item), after[i + 1]])
        }
        // first(i): items i… with the first present one written without a separator.
        let leadingOptional = items.prefix { !$0.required }.count
        var first: GrammarExpression?
        for i in stride(from: min(leadingOptional, items.count - 1), through: 0, by: -1) {
            let here = GrammarExpression.sequenceOf([items[i].0, after[i + 1]])
            guard let next = first, !items[i].required else {
                first = here
                continue
            }
            // Long runs of optional members: a rule per start keeps the nesting flat.
            let rest = leadingOptional > 3 ? builder.rule("\(name)-from-\(i + 1)", next) : next
            first = .choiceOf([here, rest])
        }
        return first ?? .literal("")
    }

    /// An object without `properties`: any keys, values of `additionalProperties` (any value when that is
    /// absent or `true`; no members when it is `false`).
    private mutating func freeObject(_ schema: JSONObject, in document: SchemaDocument, path: String,
                                     name: String) throws(ToolGrammarError) -> GrammarExpression
    {
        let ws = whitespace()
        let valueSchema = schema["additionalProperties"] ?? .bool(true)
        if valueSchema == .bool(false) { return .sequenceOf([.literal("{"), ws, .literal("}")]) }
        let value = try self.value(valueSchema, in: document, path: path + "/additionalProperties",
                                   name: "\(name)-value")
        let member = GrammarExpression.sequenceOf([try string(), ws, .literal(":"), ws, value])
        return rule(name, .sequenceOf([
            .literal("{"), ws,
            .optional(.sequenceOf([member, .zeroOrMore(.sequenceOf([ws, .literal(","), ws, member])), ws])),
            .literal("}"),
        ]))
    }

    /// `[…]` of `items` values, with `minItems`/`maxItems` (a bound above ``Options/maximumCount`` is not
    /// enforced). A tuple-style `items` list or `prefixItems` is not enforced: elements are any values.
    mutating func array(_ schema: JSONObject, in document: SchemaDocument, path: String,
                        name: String) throws(ToolGrammarError) -> GrammarExpression
    {
        let ws = whitespace()
        let itemSchema: JSONValue
        if case .object? = schema["items"] {
            itemSchema = schema["items"] ?? .bool(true)
        } else {
            itemSchema = .bool(true)
        }
        if schema["items"] == .bool(false) || schema["maxItems"]?.numberValue?.intValue == 0 {
            return .sequenceOf([.literal("["), ws, .literal("]")])
        }
        let item = try value(itemSchema, in: document, path: path + "/items", name: "\(name)-item")
        let minimum = min(max(0, schema["minItems"]?.numberValue?.intValue ?? 0), options.maximumCount)
        var maximum = schema["maxItems"]?.numberValue?.intValue.map { max($0, max(minimum, 1)) }
        if let bound = maximum, bound > options.maximumCount { maximum = nil }
        let more = GrammarExpression.sequenceOf([ws, .literal(","), ws, item])
        let rest = builder.repeated(more, min: max(0, minimum - 1), max: maximum.map { $0 - 1 }, name: "\(name)-more")
        let elements = GrammarExpression.sequenceOf([item, rest, ws])
        return rule(name, .sequenceOf([.literal("["), ws, minimum > 0 ? elements : .optional(elements),
                                       .literal("]")]))
    }

    /// A named rule for a compound value (objects and arrays read better in the grammar as rules).
    mutating func rule(_ name: String, _ expression: GrammarExpression) -> GrammarExpression {
        builder.rule(name, expression)
    }
}
