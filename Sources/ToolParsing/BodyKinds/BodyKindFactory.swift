import JSON

/// Builds body kinds from definition files: `"body": "json_object"` or `{"kind": "json_object", …options}`.
/// Adding a wire shape = one file in BodyKinds/ and one case here.
enum BodyKindFactory {
    static let kindNames = ["json_object", "json_array", "name_then_json", "xml_parameters", "arg_tags", "pythonic",
                            "regex", "nested"]

    static func make(_ spec: JSONValue, reader parent: DefinitionReader,
                     key: String) throws(ToolParsingError) -> any BodyKind
    {
        let kind: String
        let reader: DefinitionReader
        switch spec {
        case .string(let name):
            kind = name
            reader = parent.nested(key, JSONObject())
        case .object(let object):
            reader = parent.nested(key, object)
            kind = try reader.requiredString("kind")
        default:
            throw parent.error(key, "must be a body kind name or an object with a 'kind'")
        }
        switch kind {
        case "json_object":
            try reader.rejectUnknownKeys(["kind", "name_keys", "arguments_keys", "id_keys", "arguments_required"])
            return JSONObjectBody(keys: try callKeys(reader))
        case "json_array":
            try reader.rejectUnknownKeys(["kind", "name_keys", "arguments_keys", "id_keys", "arguments_required"])
            return JSONArrayBody(keys: try callKeys(reader))
        case "name_then_json":
            try reader.rejectUnknownKeys(["kind", "id_marker", "args_marker"])
            let id = try reader.optionalString("id_marker")
            let arguments = try reader.optionalString("args_marker")
            if id == "" { throw reader.error("id_marker", "must not be empty") }
            if arguments == "" { throw reader.error("args_marker", "must not be empty") }
            return NameThenJSONBody(markers: .init(id: id.map { Array($0.utf8) }, arguments: arguments.map { Array($0.utf8) }))
        case "xml_parameters":
            try reader.rejectUnknownKeys(["kind", "function_open", "function_close", "parameter_open",
                                          "parameter_close", "trim"])
            var tags = XMLParametersBody.Tags()
            for (field, name) in [(\XMLParametersBody.Tags.functionOpen, "function_open"),
                                  (\.functionClose, "function_close"), (\.parameterOpen, "parameter_open"),
                                  (\.parameterClose, "parameter_close")]
            {
                if let text = try reader.optionalString(name) {
                    guard !text.isEmpty else { throw reader.error(name, "must not be empty") }
                    tags[keyPath: field] = Array(text.utf8)
                }
            }
            let trimName = try reader.optionalString("trim") ?? "newline"
            guard let trim = XMLParametersBody.Trim(rawValue: trimName) else {
                throw reader.error("trim", "must be \"newline\" or \"none\"")
            }
            return XMLParametersBody(tags: tags, trim: trim)
        case "arg_tags":
            try reader.rejectUnknownKeys(["kind", "key_open", "key_close", "value_open", "value_close"])
            var tags = ArgTagsBody.Tags()
            for (field, name) in [(\ArgTagsBody.Tags.keyOpen, "key_open"), (\.keyClose, "key_close"),
                                  (\.valueOpen, "value_open"), (\.valueClose, "value_close")]
            {
                if let text = try reader.optionalString(name) {
                    guard !text.isEmpty else { throw reader.error(name, "must not be empty") }
                    tags[keyPath: field] = Array(text.utf8)
                }
            }
            return ArgTagsBody(tags: tags)
        case "pythonic":
            try reader.rejectUnknownKeys(["kind", "list", "name_suffix"])
            return PythonicBody(list: try reader.optionalBool("list") ?? true,
                                nameSuffix: try reader.optionalString("name_suffix"))
        case "regex":
            try reader.rejectUnknownKeys(["kind", "pattern", "name_keys", "arguments_keys", "id_keys",
                                          "arguments_required"])
            return try Family.regexBody(reader, key: "pattern", pattern: try reader.requiredString("pattern"),
                                        keys: try callKeys(reader))
        case "nested":
            try reader.rejectUnknownKeys(["kind"])
            return NestedCallsBody()
        default:
            throw parent.error(key, "unknown body kind '\(kind)' (known: \(kindNames.joined(separator: ", ")))")
        }
    }

    private static func callKeys(_ reader: DefinitionReader) throws(ToolParsingError) -> JSONCallKeys {
        var keys = JSONCallKeys()
        if let names = try reader.strings("name_keys") { keys.name = try nonEmpty(names, reader, "name_keys") }
        if let names = try reader.strings("arguments_keys") {
            keys.arguments = try nonEmpty(names, reader, "arguments_keys")
        }
        if let names = try reader.strings("id_keys") { keys.id = names }
        keys.argumentsRequired = try reader.optionalBool("arguments_required") ?? false
        return keys
    }

    private static func nonEmpty(_ names: [String], _ reader: DefinitionReader,
                                 _ key: String) throws(ToolParsingError) -> [String]
    {
        guard !names.isEmpty else { throw reader.error(key, "must name at least one key") }
        return names
    }
}
