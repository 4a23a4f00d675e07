/// `pattern` on JSON strings: the regular expression becomes the string's grammar, each character written as
/// JSON writes it (`"` and `\` escaped, control characters as their short escape or `\u00xx`).
extension SchemaConverter {
    /// A JSON string matching `pattern`; nil when the pattern is outside ``SchemaPattern``'s subset, for
    /// Python literals, or where strings must avoid the family's markers (the converter then leaves the
    /// keyword out).
    mutating func patternString(_ pattern: String) -> GrammarExpression? {
        guard syntax == .json, automaton.isEmpty, let parsed = SchemaPattern(pattern) else { return nil }
        var inexpressible = false
        let body = parsed.expression(&builder, name: "pattern") { set in
            guard let written = Self.jsonWritten(set) else {
                inexpressible = true
                return .literal("")
            }
            return written
        }
        return inexpressible ? nil : .sequenceOf([.literal("\""), body, .literal("\"")])
    }

    /// `\"`, `\\`, `\/`, `\b`, `\f`, `\n`, `\r`, `\t` or `\uXXXX`.
    mutating func jsonEscape() -> GrammarExpression {
        builder.shared("string-escape") { _ in
            .sequenceOf([.literal("\\"), .choiceOf([.characters(CharacterClass(characters: "\"\\/bfnrt")),
                                                    .sequenceOf([.literal("u")] + Array(repeating: Self.hexDigit,
                                                                                        count: 4))])])
        }
    }

    /// One scalar of `set` as JSON string text; nil when the set has none a JSON string can hold.
    static func jsonWritten(_ set: CharacterClass) -> GrammarExpression? {
        var alternatives: [GrammarExpression] = []
        let plain = set.negated
            ? CharacterClass(set.ranges + [0x01...0x1F, 0x22...0x22, 0x5C...0x5C], negated: true)
            : set.subtracting(Set([0x22, 0x5C] + Array(0x00...0x1F)))
        if plain.negated || !plain.ranges.isEmpty { alternatives.append(.characters(plain)) }
        if set.contains(0x22) { alternatives.append(.literal("\\\"")) }
        if set.contains(0x5C) { alternatives.append(.literal("\\\\")) }
        let controls = (UInt32(0x01)...0x1F).filter(set.contains)
        if controls.count == 31 {
            alternatives.append(.sequenceOf([.literal("\\"), .choiceOf([
                .characters(CharacterClass(characters: "bfnrt")),
                .sequenceOf([.literal("u00"), .characters(CharacterClass([0x30...0x31])), Self.hexDigit]),
            ])]))
        } else {
            for control in controls {
                if let short = shortEscapes[control] { alternatives.append(.literal(short)) }
                let hex = String(control, radix: 16)
                alternatives.append(.literal("\\u00" + (hex.count == 1 ? "0" + hex : hex)))
            }
        }
        return alternatives.isEmpty ? nil : .choiceOf(alternatives)
    }

    private static let shortEscapes: [UInt32: String] = [
        0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
    ]
}

extension SchemaPattern {
    /// Whether `text` matches the pattern (the validator's reading, the same as the grammar's); nil when the
    /// pattern is outside the subset.
    static func matches(_ pattern: String, _ text: String) -> Bool? {
        guard let parsed = SchemaPattern(pattern) else { return nil }
        var builder = GrammarBuilder()
        let root = builder.reserve(Grammar.rootName)
        let expression = parsed.expression(&builder, name: "pattern") { .characters($0) }
        builder.define(root, expression)
        guard let matcher = try? GrammarMatcher(builder.grammar) else { return nil }
        return matcher.matches(text)
    }
}
