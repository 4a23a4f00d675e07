/// Everything that can go wrong compiling or rendering a template.
///
/// `kind` names the Python exception the reference renderer (jinja2 in transformers) raises for the same
/// template and input, so `description` reads exactly like its `<ExceptionClass>: <message>` line.
public struct JinjaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case syntax = "TemplateSyntaxError"
        case assertion = "TemplateAssertionError"
        case runtime = "TemplateRuntimeError"
        /// `raise_exception(message)` from the template itself.
        case raised = "TemplateError"
        case undefined = "UndefinedError"
        case security = "SecurityError"
        case type = "TypeError"
        case value = "ValueError"
        case zeroDivision = "ZeroDivisionError"
        case recursion = "RecursionError"
        case overflow = "OverflowError"
        case filterArgument = "FilterArgumentError"
        case key = "KeyError"
        case index = "IndexError"
        /// A resource limit of ``RenderLimits`` was reached (no Python counterpart: jinja2 would hang or run out
        /// of memory).
        case limit = "TemplateLimitError"
    }

    public let kind: Kind
    public let message: String
    /// UTF-8 offset in the (newline-normalized) template source where the error arose, when known.
    public internal(set) var offset: Int?
    /// 1-based line and column (in characters) of `offset`, filled in when the error leaves the engine.
    public internal(set) var line: Int?
    public internal(set) var column: Int?
    /// The template line with a caret under the column, filled in with `line`.
    public internal(set) var snippet: String?

    public init(_ kind: Kind, _ message: String, offset: Int? = nil) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    /// `<Kind>: <message>`, the line transformers' reference renderer prints.
    public var description: String { "\(kind.rawValue): \(message)" }

    /// The description followed by the location and a caret snippet, for people reading a failure.
    public var detailedDescription: String {
        var text = description
        if let line, let column {
            text += "\n  at line \(line), column \(column)"
            if let snippet { text += "\n" + snippet }
        }
        return text
    }

    /// The same error, placed at `offset` unless it already has a place.
    func located(at offset: Int) -> JinjaError {
        guard self.offset == nil else { return self }
        var copy = self
        copy.offset = offset
        return copy
    }

    /// Fills in line, column and snippet from the source the offset refers to.
    func resolvingLocation(in source: [UInt8]) -> JinjaError {
        guard let offset, line == nil else { return self }
        var copy = self
        let clamped = max(0, min(offset, source.count))
        var lineStart = 0
        var lineNumber = 1
        for i in 0..<clamped where source[i] == UInt8(ascii: "\n") {
            lineNumber += 1
            lineStart = i + 1
        }
        var lineEnd = clamped
        while lineEnd < source.count && source[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
        let before = String(decoding: source[lineStart..<clamped], as: UTF8.self)
        let lineText = String(decoding: source[lineStart..<lineEnd], as: UTF8.self)
        let column = before.count + 1
        copy.line = lineNumber
        copy.column = column
        let indent = String(repeating: " ", count: before.count)
        copy.snippet = "    " + lineText + "\n    " + indent + "^"
        return copy
    }
}
