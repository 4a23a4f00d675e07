import JSON

/// A text with `{placeholder}` slots, as family files write `render`, `prefill`, `tool_prompt` and
/// `tool_result`. Only `{word}` and `{word:format}` with a known word are slots; every other brace is
/// literal text, so JSON in a template needs no escaping.
struct TextTemplate: Sendable, Equatable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case slot(name: String, format: String?)
    }

    let segments: [Segment]

    /// Parses `text`; `slots` maps each allowed word to its allowed formats. A `{word}` whose word is not
    /// allowed is an error (a typo would otherwise render literally), reported as the slot text.
    init(_ text: String, slots: [String: Set<String>]) throws(TemplateError) {
        var segments: [Segment] = []
        var literal = ""
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += rest[..<open]
            let afterOpen = rest.index(after: open)
            guard let close = rest[afterOpen...].firstIndex(of: "}") else {
                literal += rest[open...]
                rest = ""
                break
            }
            let inside = rest[afterOpen..<close]
            let parts = inside.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let isWordLike = !inside.isEmpty && parts.allSatisfy { part in
                !part.isEmpty && part.allSatisfy { $0.isLetter || $0 == "_" }
            }
            guard isWordLike else {
                literal += "{"
                rest = rest[afterOpen...]
                continue
            }
            let name = String(parts[0])
            let format = parts.count > 1 ? String(parts[1]) : nil
            guard let formats = slots[name] else { throw TemplateError(slot: "{\(inside)}", reason: "unknown placeholder") }
            if let format, !formats.contains(format) {
                throw TemplateError(slot: "{\(inside)}", reason: "unknown format (known: \(formats.sorted().joined(separator: ", ")))")
            }
            if !literal.isEmpty { segments.append(.literal(literal)) }
            literal = ""
            segments.append(.slot(name: name, format: format))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { segments.append(.literal(literal)) }
        self.segments = segments
    }

    var usesSlots: Set<String> {
        var names = Set<String>()
        for case .slot(let name, _) in segments { names.insert(name) }
        return names
    }

    /// The text with each slot replaced by `value(name, format)`.
    func render(_ value: (String, String?) -> String) -> String {
        var out = ""
        for segment in segments {
            switch segment {
            case .literal(let text): out += text
            case .slot(let name, let format): out += value(name, format)
            }
        }
        return out
    }
}

struct TemplateError: Error {
    let slot: String
    let reason: String
}

/// How calls are written back as text: each call by `call`, joined by `separator`, wrapped in
/// `prefix`/`suffix`; `{parameters}` writes each argument with `parameter`.
struct RenderTemplate: Sendable {
    static let callSlots: [String: Set<String>] = [
        "name": [], "id": [], "index": [], "arguments": ["spaced", "kwargs"], "parameters": [],
    ]
    static let parameterSlots: [String: Set<String>] = ["key": [], "value": []]

    var call: TextTemplate
    var separator = ""
    var prefix = ""
    var suffix = ""
    var parameter: TextTemplate?

    /// `calls` as the model would have written them. Arguments that are not a JSON object are written
    /// as given for `{arguments}` and as no arguments elsewhere.
    func render(_ calls: [(name: String, arguments: String, id: String?)]) -> String {
        let rendered = calls.enumerated().map { position, call -> String in
            let value = try? JSONParser().parse(call.arguments)
            let object = value?.objectValue ?? JSONObject()
            return self.call.render { slot, format in
                switch slot {
                case "name": return call.name
                case "id": return call.id ?? ""
                case "index": return String(position)
                case "parameters": return parameters(object)
                default:
                    switch format {
                    case "spaced": return JSONValue.object(object).serialized(JSONFormat(itemSeparator: ", ", keySeparator: ": "))
                    case "kwargs": return PythonLiteral.keywordArguments(object)
                    default: return value?.serialized(.compact) ?? call.arguments
                    }
                }
            }
        }
        return prefix + rendered.joined(separator: separator) + suffix
    }

    private func parameters(_ object: JSONObject) -> String {
        guard let parameter else { return "" }
        var out = ""
        for entry in object {
            out += parameter.render { slot, _ in
                if slot == "key" { return entry.key }
                if case .string(let s) = entry.value { return s }
                return entry.value.serialized(.compact)
            }
        }
        return out
    }
}
