public import JSON

/// `response_format`: the shape the answer's content must have. Backends that can constrain decoding get the
/// JSON schema (or its grammar); others only see the request's instructions, as with any model.
public enum ResponseFormat: Sendable, Equatable {
    case text
    /// Any JSON object.
    case jsonObject
    /// A JSON document matching `schema` (`json_schema.schema`; `{}` when absent).
    case jsonSchema(schema: JSONValue)

    /// The schema the content must match; nil for free text.
    public var schema: JSONValue? {
        switch self {
        case .text: return nil
        case .jsonObject: return ["type": "object"]
        case .jsonSchema(let schema): return schema
        }
    }

    init(_ value: JSONValue?) throws(OpenAIError) {
        guard let value, value != .null else {
            self = .text
            return
        }
        let fields = try FieldReader.element(value, at: "response_format")
        switch try fields.requiredString("type") {
        case "text": self = .text
        case "json_object": self = .jsonObject
        case "json_schema":
            guard let format = try fields.object("json_schema") else { throw .missing(param: fields.param("json_schema")) }
            let formatFields = FieldReader(format, path: fields.param("json_schema"))
            self = .jsonSchema(schema: .object(try formatFields.object("schema") ?? [:]))
        case let other:
            throw .invalidValue(param: fields.param("type"),
                                "'\(other)' is not one of 'text', 'json_object', 'json_schema'.")
        }
    }
}
