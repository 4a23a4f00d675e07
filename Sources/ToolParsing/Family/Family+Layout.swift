/// How a family writes calls, read-only, for code that must produce text in the family's own format (the
/// grammars of constrained decoding): the pieces of its `render` template, and the markers the parser looks
/// for anywhere inside a call's text.
public struct CallLayout: Sendable, Equatable {
    /// A piece of a template: literal text, or a `{slot}` / `{slot:format}` placeholder.
    public enum Piece: Sendable, Equatable {
        case text(String)
        /// In `call`: `name`, `id`, `index`, `arguments` (format nil, `spaced` or `kwargs`), `parameters`.
        /// In `parameter`: `key`, `value`.
        case slot(String, format: String?)
    }

    /// Written once before the calls of a turn.
    public let prefix: String
    /// Written between two calls.
    public let separator: String
    /// Written once after the calls.
    public let suffix: String
    /// One call.
    public let call: [Piece]
    /// One argument, where `call` has `{parameters}`.
    public let parameter: [Piece]?
    /// Text that ends a call wherever it appears inside the call's text, because the syntax that reads
    /// these calls finds its end by searching (a body that runs to its end marker or closing tag): the end
    /// markers, the closing tag, and the start markers of strict syntaxes. Free text inside a call (a
    /// string, a raw value) must not contain any of them. Empty for bodies that delimit themselves (JSON,
    /// Python calls).
    public let bodyDelimiters: [String]
    /// Text that ends a parameter's raw value (`</parameter>`, `<parameter=`, `</function>`, `</arg_value>`).
    public let valueDelimiters: [String]
    /// The start markers of the syntax that reads rendered calls.
    public let startMarkers: [String]
}

extension Family {
    /// The family's ``CallLayout``: its `render` template, and the delimiters of the syntax that reads what
    /// `render` writes (the syntax whose start marker comes first in a rendered call).
    public var layout: CallLayout {
        let rendered = Array(renderTemplate.render([(name: "f", arguments: "{}", id: nil)]).utf8)
        var chosen: (syntax: Int, offset: Int, length: Int)?
        for (index, syntax) in syntaxes.enumerated() {
            for start in syntax.starts {
                guard let offset = Self.firstOffset(of: start, in: rendered) else { continue }
                if let best = chosen, best.offset < offset || (best.offset == offset && best.length >= start.count) {
                    continue
                }
                chosen = (index, offset, start.count)
            }
        }
        var body: [String] = []
        var value: [String] = []
        var starts: [String] = []
        func add(_ bytes: [UInt8], to list: inout [String]) {
            let text = String(decoding: bytes, as: UTF8.self)
            if !text.isEmpty, !list.contains(text) { list.append(text) }
        }
        if let chosen {
            let syntax = syntaxes[chosen.syntax]
            syntax.starts.forEach { add($0, to: &starts) }
            var searches = false
            for kind in syntax.bodies {
                switch kind.extent {
                case .endMarker:
                    searches = true
                case .closingTag(let tag):
                    searches = true
                    add(tag, to: &body)
                case .json, .nameThenJSON, .python:
                    break
                }
                if let xml = kind as? XMLParametersBody {
                    [xml.tags.parameterClose, xml.tags.parameterOpen, xml.tags.functionClose].forEach { add($0, to: &value) }
                } else if let tags = kind as? ArgTagsBody {
                    add(tags.tags.valueClose, to: &value)
                }
            }
            if searches {
                syntax.ends.forEach { add($0, to: &body) }
                strictStarts.markers.forEach { add($0.bytes, to: &body) }
            }
        }
        return CallLayout(prefix: renderTemplate.prefix, separator: renderTemplate.separator,
                          suffix: renderTemplate.suffix, call: Self.pieces(renderTemplate.call),
                          parameter: renderTemplate.parameter.map(Self.pieces), bodyDelimiters: body,
                          valueDelimiters: value, startMarkers: starts)
    }

    private static func pieces(_ template: TextTemplate) -> [CallLayout.Piece] {
        template.segments.map { segment in
            switch segment {
            case .literal(let text): return .text(text)
            case .slot(let name, let format): return .slot(name, format: format)
            }
        }
    }

    private static func firstOffset(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        for i in 0...(haystack.count - needle.count) where haystack[i] == needle[0] {
            if haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
        }
        return nil
    }
}
