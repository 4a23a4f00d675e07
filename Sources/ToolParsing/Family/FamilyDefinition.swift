public import JSON

/// Reading a family definition file (the plugin schema; `parsers/README.md` documents it).
///
/// Every problem is reported with the file and the JSON path of the key (`variants[1].pattern`), and
/// unknown keys are errors (a typo would otherwise be silently ignored); keys starting with `_` are
/// comments.
extension Family {
    /// Loads a definition from JSON text; `source` names it in errors.
    public init(definitionText text: String, source: String) throws(ToolParsingError) {
        let value: JSONValue
        do {
            value = try JSONParser().parse(text)
        } catch {
            throw .unreadableDefinition(file: source, reason: "not JSON: \(error)")
        }
        try self.init(definition: value, source: source)
    }

    public init(definition: JSONValue, source: String) throws(ToolParsingError) {
        guard case .object(let object) = definition else {
            throw .unreadableDefinition(file: source, reason: "the definition must be a JSON object")
        }
        let root = DefinitionReader(file: source, object: object, path: "")
        let name = try root.requiredString("name")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
            throw root.error("name", "must be a non-empty name of letters, digits, '_', '-', '.'")
        }
        var syntaxes: [CallSyntax] = []
        if root.has("start") {
            syntaxes += try Self.syntaxes(root)
        }
        for (i, variant) in try root.objects("variants").enumerated() {
            syntaxes += try Self.syntaxes(root.nested("variants[\(i)]", variant))
        }
        guard !syntaxes.isEmpty else { throw root.error("start", "missing (a family needs at least one call syntax)") }

        var reasoning: ReasoningMarkers?
        if let markers = try root.optionalObject("reasoning") {
            let reader = root.nested("reasoning", markers)
            reasoning = ReasoningMarkers(start: try reader.requiredString("start"), end: try reader.requiredString("end"))
            try reader.rejectUnknownKeys(["start", "end"])
        }
        let idStyleName = try root.optionalString("id_style") ?? "openai"
        guard let idStyle = ToolCallIDStyle(rawValue: idStyleName) else {
            throw root.error("id_style", "must be \"openai\" or \"mistral\"")
        }
        let render = try Self.renderTemplate(root)
        var prefillAny: TextTemplate?
        var prefillNamed: TextTemplate?
        if case .string(let text)? = root.value("prefill") {
            prefillAny = try root.template("prefill", text, slots: [:])
        } else if let prefill = try root.optionalObject("prefill") {
            let reader = root.nested("prefill", prefill)
            if let any = try reader.optionalString("any") { prefillAny = try reader.template("any", any, slots: [:]) }
            if let named = try reader.optionalString("named") {
                prefillNamed = try reader.template("named", named, slots: ["name": []])
            }
            try reader.rejectUnknownKeys(["any", "named"])
        } else if let first = syntaxes.first, !first.tentative, let start = first.starts.first, !first.startIncluded {
            // Without a prefill key, a strict family can still be forced into a call by its start marker.
            prefillAny = TextTemplate(literal: String(decoding: start, as: UTF8.self))
        }
        let toolPrompt = try root.optionalText("tool_prompt").map { text throws(ToolParsingError) in
            try root.template("tool_prompt", text, slots: ["tools": ["array"]])
        }
        let toolResult = try root.optionalText("tool_result").map { text throws(ToolParsingError) in
            try root.template("tool_result", text, slots: ["content": [], "name": [], "id": []])
        }
        try root.rejectUnknownKeys(Self.syntaxKeys.union([
            "name", "aliases", "format", "variants", "reasoning", "id_style", "render", "prefill", "tool_prompt",
            "tool_result", "stop", "drop", "unknown_tools",
        ]))
        let unknownTools = try root.optionalString("unknown_tools") ?? "call"
        guard unknownTools == "call" || unknownTools == "text" else {
            throw root.error("unknown_tools", "must be \"call\" or \"text\"")
        }
        self.init(name: name, aliases: try root.strings("aliases") ?? [], source: source,
                  format: try root.optionalText("format") ?? "", reasoning: reasoning, idStyle: idStyle,
                  syntaxes: syntaxes, render: render, prefillAny: prefillAny, prefillNamed: prefillNamed,
                  toolPrompt: toolPrompt, toolResult: toolResult, extraStops: try root.strings("stop") ?? [],
                  dropped: try Self.dropped(root), unknownToolsAreText: unknownTools == "text")
    }

    private static func dropped(_ root: DefinitionReader) throws(ToolParsingError) -> [String] {
        let markers = try root.strings("drop") ?? []
        if markers.contains("") { throw root.error("drop", "must not contain an empty marker") }
        return markers
    }

    static let syntaxKeys: Set<String> = [
        "start", "end", "body", "pattern", "start_included", "tentative", "end_optional", "separator",
    ]

    /// One syntax (plus the tentative one its `separator` implies).
    private static func syntaxes(_ reader: DefinitionReader) throws(ToolParsingError) -> [CallSyntax] {
        guard let starts = try reader.strings("start"), !starts.isEmpty, !starts.contains("") else {
            throw reader.error("start", "missing or empty (a string or a list of strings)")
        }
        let ends = try reader.strings("end") ?? []
        if ends.contains("") { throw reader.error("end", "must not be empty") }
        let bodies = try Self.bodies(reader)
        let syntax = CallSyntax(starts: starts.map { Array($0.utf8) },
                                startIncluded: try reader.optionalBool("start_included") ?? false,
                                tentative: try reader.optionalBool("tentative") ?? false,
                                ends: ends.map { Array($0.utf8) },
                                endOptional: try reader.optionalBool("end_optional") ?? false,
                                bodies: bodies)
        if reader.path != "" { try reader.rejectUnknownKeys(syntaxKeys) }
        guard let separator = try reader.optionalString("separator") else { return [syntax] }
        guard !separator.isEmpty else { throw reader.error("separator", "must not be empty") }
        // Calls joined by a separator (`{…};{…}`): the separator starts a call when one follows it.
        let joined = CallSyntax(starts: [Array(separator.utf8)], startIncluded: false, tentative: true,
                                ends: syntax.ends, endOptional: syntax.endOptional, bodies: bodies)
        return [syntax, joined]
    }

    private static func bodies(_ reader: DefinitionReader) throws(ToolParsingError) -> [any BodyKind] {
        guard let body = reader.value("body") else {
            guard let pattern = try reader.optionalString("pattern") else {
                throw reader.error("body", "missing (name a body kind, or give a 'pattern')")
            }
            return [try regexBody(reader, key: "pattern", pattern: pattern, keys: JSONCallKeys())]
        }
        if reader.has("pattern") { throw reader.error("pattern", "give either 'pattern' or 'body', not both") }
        let specs: [JSONValue]
        if case .array(let list) = body { specs = list } else { specs = [body] }
        guard !specs.isEmpty else { throw reader.error("body", "must name at least one body kind") }
        var kinds: [any BodyKind] = []
        for (i, spec) in specs.enumerated() {
            let key = body.arrayValue == nil ? "body" : "body[\(i)]"
            kinds.append(try BodyKindFactory.make(spec, reader: reader, key: key))
        }
        return kinds
    }

    static func regexBody(_ reader: DefinitionReader, key: String, pattern: String,
                          keys: JSONCallKeys) throws(ToolParsingError) -> RegexBody
    {
        let regex: PCRE2Regex
        do {
            regex = try PCRE2Regex(pattern)
        } catch {
            throw reader.error(key, "\(error)")
        }
        guard regex.groupNames["name"] != nil || regex.groupNames["call"] != nil else {
            throw reader.error(key, "needs a named group 'name' (with 'arguments') or 'call'")
        }
        return RegexBody(regex: regex, keys: keys)
    }

    private static func renderTemplate(_ root: DefinitionReader) throws(ToolParsingError) -> RenderTemplate {
        if case .string(let text)? = root.value("render") {
            return RenderTemplate(call: try root.template("render", text, slots: RenderTemplate.callSlots))
        }
        guard let object = try root.optionalObject("render") else {
            throw root.error("render", "missing (how one call is written back as text)")
        }
        let reader = root.nested("render", object)
        var template = RenderTemplate(call: try reader.template("call", try reader.requiredText("call"),
                                                                slots: RenderTemplate.callSlots))
        template.separator = try reader.optionalString("separator") ?? ""
        template.prefix = try reader.optionalString("prefix") ?? ""
        template.suffix = try reader.optionalString("suffix") ?? ""
        if let parameter = try reader.optionalText("parameter") {
            template.parameter = try reader.template("parameter", parameter, slots: RenderTemplate.parameterSlots)
        } else if template.call.usesSlots.contains("parameters") {
            throw reader.error("parameter", "missing ('{parameters}' in 'call' needs a 'parameter' template)")
        }
        try reader.rejectUnknownKeys(["call", "separator", "prefix", "suffix", "parameter"])
        return template
    }
}

extension TextTemplate {
    init(literal: String) {
        segments = literal.isEmpty ? [] : [.literal(literal)]
    }
}

/// Reads keys of one object of a definition, naming the file and the key path in every error.
struct DefinitionReader {
    let file: String
    let object: JSONObject
    /// The path of this object (`""` for the root, `variants[0]`, `render`).
    let path: String

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ reason: String) -> ToolParsingError {
        .invalidDefinition(file: file, key: keyPath(key), reason: reason)
    }

    func nested(_ key: String, _ object: JSONObject) -> DefinitionReader {
        DefinitionReader(file: file, object: object, path: keyPath(key))
    }

    func has(_ key: String) -> Bool { object[key] != nil }
    func value(_ key: String) -> JSONValue? { object[key] }

    func requiredString(_ key: String) throws(ToolParsingError) -> String {
        guard let value = object[key] else { throw error(key, "missing") }
        guard case .string(let s) = value else { throw error(key, "must be a string") }
        return s
    }

    func optionalString(_ key: String) throws(ToolParsingError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .string(let s) = value else { throw error(key, "must be a string") }
        return s
    }

    /// A string, or a list of strings joined with newlines (long texts read better as lines).
    func optionalText(_ key: String) throws(ToolParsingError) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        if case .string(let s) = value { return s }
        guard case .array(let lines) = value else { throw error(key, "must be a string or a list of lines") }
        var out: [String] = []
        for line in lines {
            guard case .string(let s) = line else { throw error(key, "must be a string or a list of lines") }
            out.append(s)
        }
        return out.joined(separator: "\n")
    }

    func requiredText(_ key: String) throws(ToolParsingError) -> String {
        guard let text = try optionalText(key) else { throw error(key, "missing") }
        return text
    }

    /// A string or a list of strings.
    func strings(_ key: String) throws(ToolParsingError) -> [String]? {
        guard let value = object[key], !value.isNull else { return nil }
        if case .string(let s) = value { return [s] }
        guard case .array(let items) = value else { throw error(key, "must be a string or a list of strings") }
        var out: [String] = []
        for item in items {
            guard case .string(let s) = item else { throw error(key, "must be a string or a list of strings") }
            out.append(s)
        }
        return out
    }

    func optionalBool(_ key: String) throws(ToolParsingError) -> Bool? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .bool(let b) = value else { throw error(key, "must be true or false") }
        return b
    }

    func optionalObject(_ key: String) throws(ToolParsingError) -> JSONObject? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .object(let o) = value else { throw error(key, "must be an object") }
        return o
    }

    func objects(_ key: String) throws(ToolParsingError) -> [JSONObject] {
        guard let value = object[key], !value.isNull else { return [] }
        guard case .array(let items) = value else { throw error(key, "must be a list of objects") }
        var out: [JSONObject] = []
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw error("\(key)[\(i)]", "must be an object") }
            out.append(o)
        }
        return out
    }

    func template(_ key: String, _ text: String, slots: [String: Set<String>]) throws(ToolParsingError) -> TextTemplate {
        do {
            return try TextTemplate(text, slots: slots)
        } catch {
            throw self.error(key, "\(error.reason) \(error.slot)")
        }
    }

    func rejectUnknownKeys(_ allowed: Set<String>) throws(ToolParsingError) {
        for key in object.keys where !allowed.contains(key) && !key.hasPrefix("_") {
            throw error(key, "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
    }
}
