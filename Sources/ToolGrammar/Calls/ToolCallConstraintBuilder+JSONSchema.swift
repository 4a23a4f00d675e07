import JSON
import ToolParsing

/// The JSON-schema form, for backends that constrain to a JSON schema only (TGI, Ollama, vLLM's
/// `guided_json`): possible when, after some prefill, a call in the family's format is one JSON document.
///
/// The document is found in the family's own `render` output: one call is rendered with placeholders for the
/// name and the arguments, and the first JSON value holding the arguments is the document — Hermes'
/// `{"name": …, "arguments": …}` after `<tool_call>\n`, Llama 3's `{"name": …, "parameters": …}`, Command R7B's
/// `[{…}]` after `<|START_ACTION|>`, Mistral's arguments after `[TOOL_CALLS]NAME[ARGS]` for a named tool.
/// When the name lies outside the document and any tool may be called, the array and object forms after the
/// family's prefill are tried (Mistral's `[TOOL_CALLS][{"name": …, "arguments": …}]`). Text the format writes
/// after the document (`</tool_call>`) is left out; each form is kept only if the family's parser reads a
/// sample of it (prefill + document, nothing after) as the call.
extension ToolCallConstraintBuilder {
    static let nameMark = "\u{E000}name\u{E001}"
    static let argumentsMark = "\u{E000}arguments\u{E001}"
    static let indexMark = "\u{E000}index\u{E001}"
    static let idMark = "\u{E000}id\u{E001}"

    /// A JSON schema for the continuation after the returned prefill.
    public func jsonSchema(_ call: ForcedCall, parallel: Bool) throws(ToolGrammarError) -> ToolCallConstraint {
        let forced: [OfferedTool]
        switch call {
        case .anyTool: forced = tools
        case .named(let name): forced = tools.filter { $0.name == name }
        }
        guard !forced.isEmpty else { throw .unknownTool(name: call.toolName ?? "(no tools)") }
        var reasons: [String] = []
        for (prefill, document) in documentForms(call) {
            do {
                return try constraint(prefill: prefill, document: document, forced: forced, parallel: parallel)
            } catch {
                reasons.append("\(error)")
            }
        }
        throw .unsupportedFormat(family: family.name, reason: "no call in its format is a JSON document"
                                 + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"))
    }

    /// Candidate (prefill, document) pairs, best first.
    private func documentForms(_ call: ForcedCall) -> [(String, JSONValue)] {
        var forms: [(String, JSONValue)] = []
        if let rendered = renderedWithMarks(), let found = Self.firstDocument(in: rendered) {
            let before = String(decoding: rendered[..<found.start], as: UTF8.self)
            var prefill = before.replacingAll(Self.indexMark, with: "0")
            if prefill.contains(Self.nameMark) {
                if let name = call.toolName { prefill = prefill.replacingAll(Self.nameMark, with: name) }
            }
            if !prefill.contains("\u{E000}") { forms.append((prefill, found.value)) }
        }
        if let prefill = family.prefill(functionName: nil) {
            let object: JSONValue = ["name": .string(Self.nameMark), "arguments": .string(Self.argumentsMark)]
            forms.append((prefill, .array([object])))
            forms.append((prefill, object))
        }
        return forms
    }

    /// One call rendered by the family's template with marks for its slots; nil for formats whose arguments
    /// are not JSON (`{parameters}`, `{arguments:kwargs}`).
    private func renderedWithMarks() -> [UInt8]? {
        let layout = family.layout
        var text = layout.prefix
        for piece in layout.call {
            switch piece {
            case .text(let literal): text += literal
            case .slot("name", _): text += Self.nameMark
            case .slot("arguments", "kwargs"), .slot("parameters", _): return nil
            case .slot("arguments", _): text += Self.argumentsMark.jsonQuoted()
            case .slot("index", _): text += Self.indexMark
            case .slot("id", _): text += Self.idMark
            case .slot: return nil
            }
        }
        return Array((text + layout.suffix).utf8)
    }

    /// The first JSON value in the text that holds the arguments mark.
    private static func firstDocument(in bytes: [UInt8]) -> (start: Int, value: JSONValue)? {
        for start in bytes.indices where bytes[start] == UInt8(ascii: "{") || bytes[start] == UInt8(ascii: "[")
            || bytes[start] == UInt8(ascii: "\"")
        {
            let parsed = bytes.withUnsafeBufferPointer { buffer in
                try? JSONParser().parsePrefix(bytes: buffer, from: start, final: true)
            }
            guard let parsed, contains(parsed.value, argumentsMark) else { continue }
            return (start, parsed.value)
        }
        return nil
    }

    private static func contains(_ value: JSONValue, _ mark: String) -> Bool {
        switch value {
        case .string(let s): return s.contains(mark)
        case .array(let elements): return elements.contains { contains($0, mark) }
        case .object(let object): return object.contains { $0.key.contains(mark) || contains($0.value, mark) }
        default: return false
        }
    }

    private func constraint(prefill: String, document: JSONValue, forced: [OfferedTool],
                            parallel: Bool) throws(ToolGrammarError) -> ToolCallConstraint
    {
        let fixed: OfferedTool? = Self.contains(document, Self.nameMark) ? nil : (forced.count == 1 ? forced[0] : nil)
        if !Self.contains(document, Self.nameMark), fixed == nil {
            throw .unsupportedFormat(family: family.name, reason: "the name is outside the JSON document")
        }
        var definitions = JSONObject()
        var schema = try self.schema(document, tool: fixed, forced: forced, parallel: parallel,
                                     definitions: &definitions)
        if !definitions.isEmpty, case .object(var object) = schema {
            object["$defs"] = .object(definitions)
            schema = .object(object)
        }
        if options.selfCheck {
            for tool in forced {
                let sample = try instance(document, tool: tool)
                try selfCheck(prefill: prefill, output: sample.serialized(JSONFormat(itemSeparator: ", ",
                                                                                        keySeparator: ": ")),
                              tool: tool)
                if let problem = SchemaValidator(root: schema).problem(sample) {
                    throw .selfCheckFailed(family: family.name, tool: tool.name, reason: problem)
                }
            }
        }
        return ToolCallConstraint(form: .jsonSchema(schema), prefill: prefill)
    }

    /// The schema of a document value; the tool is chosen at the innermost object holding the name.
    private func schema(_ value: JSONValue, tool: OfferedTool?, forced: [OfferedTool], parallel: Bool,
                        definitions: inout JSONObject) throws(ToolGrammarError) -> JSONValue
    {
        switch value {
        case .string(let s):
            switch s {
            case Self.nameMark:
                guard let tool else { throw unsupported("the name is not inside a call object") }
                return ["type": "string", "enum": [.string(tool.name)]]
            case Self.argumentsMark:
                guard let tool else { throw unsupported("the arguments are not inside a call object") }
                return hoisted(tool, definitions: &definitions)
            case Self.indexMark, Self.idMark:
                return ["type": "string"]
            default:
                if s.contains("\u{E000}") { throw unsupported("a name or arguments inside other text") }
                return ["enum": [value]]
            }
        case .object(let object):
            if tool == nil, Self.contains(value, Self.nameMark) {
                var branches: [JSONValue] = []
                for candidate in forced {
                    branches.append(try schema(value, tool: candidate, forced: forced, parallel: parallel,
                                               definitions: &definitions))
                }
                return branches.count == 1 ? branches[0] : ["anyOf": .array(branches)]
            }
            var properties = JSONObject()
            for entry in object {
                if entry.key.contains("\u{E000}") { throw unsupported("a mark in a key") }
                properties[entry.key] = try schema(entry.value, tool: tool, forced: forced, parallel: parallel,
                                                   definitions: &definitions)
            }
            return ["type": "object", "properties": .object(properties),
                    "required": .array(object.keys.map { .string($0) }), "additionalProperties": false]
        case .array(let elements):
            let marked = elements.filter { Self.contains($0, Self.argumentsMark) }
            guard marked.count == 1, elements.count == 1 else { throw unsupported("an unusual array") }
            let item = try schema(marked[0], tool: tool, forced: forced, parallel: parallel, definitions: &definitions)
            let maximum = parallel && tool == nil ? options.maximumCalls : 1
            return ["type": "array", "items": item, "minItems": 1, "maxItems": .number(JSONNumber(maximum))]
        default:
            return ["enum": [value]]
        }
    }

    private func unsupported(_ reason: String) -> ToolGrammarError {
        .unsupportedFormat(family: family.name, reason: reason)
    }

    /// The tool's arguments schema for use inside a bigger document: its local `$ref`s are rewritten to
    /// point into a copy of the whole tool schema under the document's `$defs`.
    private func hoisted(_ tool: OfferedTool, definitions: inout JSONObject) -> JSONValue {
        let schema = tool.argumentsSchema
        guard Self.hasReference(schema) else { return schema }
        let key = GrammarBuilder.sanitized(tool.name) + "-root"
        let prefix = "#/$defs/" + key
        definitions[key] = Self.rewritingReferences(schema, prefix: prefix)
        return Self.rewritingReferences(schema, prefix: prefix)
    }

    private static func hasReference(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object):
            return object.contains { ($0.key == "$ref" && $0.value.stringValue?.hasPrefix("#") == true)
                || hasReference($0.value) }
        case .array(let elements): return elements.contains(where: hasReference)
        default: return false
        }
    }

    private static func rewritingReferences(_ value: JSONValue, prefix: String) -> JSONValue {
        switch value {
        case .object(let object):
            var out = JSONObject()
            for entry in object {
                if entry.key == "$ref", case .string(let reference) = entry.value, reference.hasPrefix("#") {
                    out[entry.key] = .string(prefix + reference.dropFirst())
                } else {
                    out[entry.key] = rewritingReferences(entry.value, prefix: prefix)
                }
            }
            return .object(out)
        case .array(let elements):
            return .array(elements.map { rewritingReferences($0, prefix: prefix) })
        default:
            return value
        }
    }

    /// A document with the marks filled in for `tool`: its name, its shortest valid arguments.
    private func instance(_ value: JSONValue, tool: OfferedTool) throws(ToolGrammarError) -> JSONValue {
        switch value {
        case .string(Self.nameMark): return .string(tool.name)
        case .string(Self.argumentsMark): return try shortestArguments(tool)
        case .string(Self.indexMark): return "0"
        case .string(Self.idMark): return "a1b2c3d4e"
        case .array(let elements):
            var out: [JSONValue] = []
            for element in elements { out.append(try instance(element, tool: tool)) }
            return .array(out)
        case .object(let object):
            var out = JSONObject()
            for entry in object { out[entry.key] = try instance(entry.value, tool: tool) }
            return .object(out)
        default:
            return value
        }
    }

    /// The shortest arguments the JSON grammar of the tool's schema allows.
    func shortestArguments(_ tool: OfferedTool) throws(ToolGrammarError) -> JSONValue {
        var converter = SchemaConverter(builder: GrammarBuilder(), syntax: .json)
        let root = converter.builder.reserve(Grammar.rootName)
        let expression = try converter.value(tool.argumentsSchema, in: SchemaDocument(root: tool.parameters,
                                                                                       scope: tool.name),
                                             path: "", name: "args")
        converter.builder.define(root, expression)
        guard let text = converter.builder.grammar.shortestText, let value = try? JSONParser().parse(text) else {
            throw .selfCheckFailed(family: family.name, tool: tool.name, reason: "no arguments can be written")
        }
        return value
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, contains(target) else { return self }
        var out = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
