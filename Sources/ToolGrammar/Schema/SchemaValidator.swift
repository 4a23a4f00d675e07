public import JSON

/// Checks a JSON value against a JSON schema, for the keywords the grammar converter enforces (and with the
/// same reading of them): `type` (with the loose spellings), `enum`, `const`, `properties`, `required`,
/// `additionalProperties` (`false` or a schema), `items` (a schema), `minItems`, `maxItems`, `anyOf`, `oneOf`
/// (read as `anyOf`: the grammar does not enforce one-of-ness), `allOf`, local `$ref`, `minLength`,
/// `maxLength` (in Unicode scalars), `pattern` (in ``SchemaPattern``'s subset), `minimum`/`exclusiveMinimum`
/// and `maximum`/`exclusiveMaximum`, `nullable`. Other keywords are not checked.
///
/// The constraint's self-check and the tests use it: whatever a grammar allows must validate.
public struct SchemaValidator: Sendable {
    let document: SchemaDocument

    /// A validator for schemas within `root` (whose `$defs` the `$ref`s point into).
    public init(root: JSONValue) {
        document = SchemaDocument(root: root, scope: "")
    }

    /// Why `value` does not match the root schema, or nil when it does.
    public func problem(_ value: JSONValue) -> String? {
        problem(value, document.root, path: "", depth: 0)
    }

    public func isValid(_ value: JSONValue) -> Bool { problem(value) == nil }

    private func problem(_ value: JSONValue, _ schema: JSONValue, path: String, depth: Int) -> String? {
        guard depth < 64 else { return "\(path): schema nested too deep" }
        guard case .object(let schema) = schema else {
            return schema == .bool(false) ? "\(path): no value is allowed" : nil
        }
        if schema["nullable"]?.boolValue == true, value == .null { return nil }
        if case .string(let reference)? = schema["$ref"] {
            guard let target = document.resolve(reference) else { return nil }
            if let problem = problem(value, target, path: path, depth: depth + 1) { return problem }
        }
        for case .array(let parts)? in [schema["allOf"]] {
            for part in parts {
                if let problem = problem(value, part, path: path, depth: depth + 1) { return problem }
            }
        }
        for keyword in ["anyOf", "oneOf"] {
            guard case .array(let branches)? = schema[keyword] else { continue }
            if !branches.contains(where: { problem(value, $0, path: path, depth: depth + 1) == nil }) {
                return "\(path): matches no branch of \(keyword)"
            }
        }
        if let constant = schema["const"], !value.isIdentical(to: constant), value != constant {
            return "\(path): is not the const value"
        }
        if case .array(let values)? = schema["enum"], !values.contains(where: { Self.same($0, value) }) {
            return "\(path): \(value.serialized()) is not in the enum"
        }
        let types = SchemaConverter.typeNames(schema)
        if !types.isEmpty, !types.contains(where: { SchemaConverter.value(value, hasType: $0) || !Self.known($0) }) {
            return "\(path): \(value.typeName) is not \(types.joined(separator: " or "))"
        }
        switch value {
        case .object(let object): return objectProblem(object, schema, path: path, depth: depth)
        case .array(let elements): return arrayProblem(elements, schema, path: path, depth: depth)
        case .string(let text):
            let length = text.unicodeScalars.count
            if let minimum = schema["minLength"]?.numberValue?.intValue, length < minimum {
                return "\(path): shorter than \(minimum)"
            }
            if let maximum = schema["maxLength"]?.numberValue?.intValue, length > maximum {
                return "\(path): longer than \(maximum)"
            }
            if let pattern = schema["pattern"]?.stringValue, SchemaPattern.matches(pattern, text) == false {
                return "\(path): does not match \(pattern)"
            }
        case .number(let number):
            let x = number.doubleValue
            if let bound = schema["minimum"]?.numberValue?.doubleValue, x < bound { return "\(path): below \(bound)" }
            if let bound = schema["maximum"]?.numberValue?.doubleValue, x > bound { return "\(path): above \(bound)" }
            if let bound = schema["exclusiveMinimum"]?.numberValue?.doubleValue, x <= bound {
                return "\(path): not above \(bound)"
            }
            if let bound = schema["exclusiveMaximum"]?.numberValue?.doubleValue, x >= bound {
                return "\(path): not below \(bound)"
            }
        default:
            break
        }
        return nil
    }

    private func objectProblem(_ object: JSONObject, _ schema: JSONObject, path: String, depth: Int) -> String? {
        let properties = schema["properties"]?.objectValue ?? [:]
        for case .string(let key) in schema["required"]?.arrayValue ?? [] where object[key] == nil {
            return "\(path): the required key '\(key)' is missing"
        }
        for entry in object {
            if let propertySchema = properties[entry.key] {
                if let problem = problem(entry.value, propertySchema, path: path + "/" + entry.key, depth: depth + 1) {
                    return problem
                }
            } else if let additional = schema["additionalProperties"] {
                if additional == .bool(false) { return "\(path): the key '\(entry.key)' is not allowed" }
                if let problem = problem(entry.value, additional, path: path + "/" + entry.key, depth: depth + 1) {
                    return problem
                }
            }
        }
        return nil
    }

    private func arrayProblem(_ elements: [JSONValue], _ schema: JSONObject, path: String, depth: Int) -> String? {
        if let minimum = schema["minItems"]?.numberValue?.intValue, elements.count < minimum {
            return "\(path): fewer than \(minimum) items"
        }
        if let maximum = schema["maxItems"]?.numberValue?.intValue, elements.count > maximum {
            return "\(path): more than \(maximum) items"
        }
        if let items = schema["items"], items.objectValue != nil || items == .bool(false) {
            for (i, element) in elements.enumerated() {
                if let problem = problem(element, items, path: path + "/\(i)", depth: depth + 1) { return problem }
            }
        }
        return nil
    }

    /// Enum membership: the same JSON type and value (`true` is not `1`).
    private static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x == y
        case (.number, _), (_, .number): return false
        default: return a == b
        }
    }

    private static func known(_ type: String) -> Bool {
        ["string", "integer", "number", "boolean", "null", "object", "array"].contains(type)
    }
}
