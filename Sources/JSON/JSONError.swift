/// Why a JSON text did not parse, and exactly where.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The text ended where more was needed (a truncated value).
        case unexpectedEnd
        /// A byte that cannot appear here.
        case unexpectedByte(UInt8)
        case invalidNumber
        case invalidEscape
        case invalidUnicodeEscape
        case invalidUTF8
        /// A raw control character (below U+0020) inside a string.
        case controlCharacterInString
        /// Nesting deeper than the parser's limit.
        case tooDeep(limit: Int)
        /// A complete value followed by something other than whitespace.
        case trailingContent
    }

    public let kind: Kind
    /// Byte offset into the input.
    public let offset: Int
    /// 1-based line and column (in bytes) of `offset`.
    public let line: Int
    public let column: Int
    /// What the parser was looking for ("a value", "',' or '}'", ...).
    public let expected: String

    public init(kind: Kind, offset: Int, line: Int, column: Int, expected: String) {
        self.kind = kind
        self.offset = offset
        self.line = line
        self.column = column
        self.expected = expected
    }

    /// True when the input is a valid prefix of some JSON text: more bytes could complete it.
    public var isTruncation: Bool { kind == .unexpectedEnd }

    public var description: String {
        let found: String
        switch kind {
        case .unexpectedEnd: found = "end of input"
        case .unexpectedByte(let b):
            found = (0x20..<0x7f).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
        case .invalidNumber: found = "an invalid number"
        case .invalidEscape: found = "an invalid escape"
        case .invalidUnicodeEscape: found = "an invalid \\u escape"
        case .invalidUTF8: found = "invalid UTF-8"
        case .controlCharacterInString: found = "a raw control character in a string"
        case .tooDeep(let limit): found = "nesting deeper than \(limit)"
        case .trailingContent: found = "more text after the value"
        }
        return "expected \(expected) at offset \(offset) (line \(line), column \(column)), found \(found)"
    }
}
