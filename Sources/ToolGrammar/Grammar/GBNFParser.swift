/// Reads GBNF text the way llama.cpp's grammar parser does (`llama-grammar.cpp`), but strictly: whatever
/// llama.cpp would reject is an error here, and so is what it would take silently but surely not mean (an
/// empty character class, a rule defined twice, a code point 0).
///
/// The syntax: `name ::= alternatives` rules, names of ASCII letters, digits and `-`; newlines end a rule
/// except inside parentheses and after `::=` or `|`; `#` starts a comment; `"literal"`, `[class]`,
/// `[^class]`, `.`, `( group )`, postfix `*`, `+`, `?`, `{m}`, `{m,}`, `{m,n}`; escapes `\xHH`, `\uHHHH`,
/// `\UHHHHHHHH`, `\t`, `\r`, `\n`, `\\`, `\"`, `\[`, `\]`.
public struct GBNFParser {
    private let text: [Unicode.Scalar]
    private var i = 0

    public init(_ text: String) {
        self.text = Array(text.unicodeScalars)
    }

    /// The grammar the text defines, rules in the order defined.
    public static func parse(_ text: String) throws(ToolGrammarError) -> Grammar {
        var parser = GBNFParser(text)
        return try parser.grammar()
    }

    private mutating func grammar() throws(ToolGrammarError) -> Grammar {
        var rules: [Grammar.Rule] = []
        skipSpace(newlines: true)
        while i < text.count {
            let ruleStart = i
            let name = try self.name()
            skipSpace(newlines: false)
            guard peek(0) == ":", peek(1) == ":", peek(2) == "=" else { throw fail("expecting ::=") }
            i += 3
            skipSpace(newlines: true)
            let expression = try alternatives(nested: false)
            if peek(0) == "\r" {
                i += peek(1) == "\n" ? 2 : 1
            } else if peek(0) == "\n" {
                i += 1
            } else if i < text.count {
                throw fail("expecting newline or end")
            }
            skipSpace(newlines: true)
            if rules.contains(where: { $0.name == name }) {
                throw fail("rule '\(name)' is defined twice", at: ruleStart)
            }
            rules.append(Grammar.Rule(name: name, expression: expression))
        }
        return Grammar(rules: rules)
    }

    private mutating func alternatives(nested: Bool) throws(ToolGrammarError) -> GrammarExpression {
        var alternatives: [GrammarExpression] = []
        let first = i
        alternatives.append(try sequence(nested: nested, start: first))
        while peek(0) == "|" {
            i += 1
            skipSpace(newlines: true)
            alternatives.append(try sequence(nested: nested, start: i))
        }
        return alternatives.count == 1 ? alternatives[0] : .choice(alternatives)
    }

    private mutating func sequence(nested: Bool, start: Int) throws(ToolGrammarError) -> GrammarExpression {
        var items: [GrammarExpression] = []
        while let c = peek(0) {
            if c == "\"" {
                i += 1
                var literal = String.UnicodeScalarView()
                while peek(0) != "\"" {
                    guard i < text.count else { throw fail("unexpected end of input in a literal") }
                    literal.append(try character())
                }
                i += 1
                items.append(.literal(String(literal)))
                skipSpace(newlines: nested)
            } else if c == "[" {
                i += 1
                var negated = false
                if peek(0) == "^" {
                    negated = true
                    i += 1
                }
                let classStart = i
                var ranges: [ClosedRange<UInt32>] = []
                while peek(0) != "]" {
                    guard i < text.count else { throw fail("unexpected end of input in a character class") }
                    let low = try character().value
                    var high = low
                    if peek(0) == "-", let next = peek(1), next != "]" {
                        i += 1
                        high = try character().value
                    }
                    guard low <= high else { throw fail("a character range runs backwards", at: classStart) }
                    ranges.append(low...high)
                }
                guard !ranges.isEmpty else { throw fail("an empty character class", at: classStart) }
                i += 1
                items.append(.characters(CharacterClass(ranges, negated: negated)))
                skipSpace(newlines: nested)
            } else if Self.isWordCharacter(c) {
                items.append(.reference(try name()))
                skipSpace(newlines: nested)
            } else if c == "(" {
                i += 1
                skipSpace(newlines: true)
                let group = try alternatives(nested: true)
                guard peek(0) == ")" else { throw fail("expecting ')'") }
                i += 1
                items.append(group)
                skipSpace(newlines: nested)
            } else if c == "." {
                i += 1
                items.append(.characters(CharacterClass([], negated: true)))
                skipSpace(newlines: nested)
            } else if c == "*" || c == "+" || c == "?" || c == "{" {
                guard let last = items.popLast() else { throw fail("expecting an item before */+/?/{") }
                let (min, max) = try repetitionBounds()
                items.append(.repetition(last, min: min, max: max))
                skipSpace(newlines: nested)
            } else {
                break
            }
        }
        guard !items.isEmpty else { throw fail("an empty alternative", at: start) }
        return items.count == 1 ? items[0] : .sequence(items)
    }

    private mutating func repetitionBounds() throws(ToolGrammarError) -> (Int, Int?) {
        let c = text[i]
        i += 1
        switch c {
        case "*": return (0, nil)
        case "+": return (1, nil)
        case "?": return (0, 1)
        default: break
        }
        skipSpace(newlines: false)
        let min = try integer()
        skipSpace(newlines: false)
        if peek(0) == "}" {
            i += 1
            return (min, min)
        }
        guard peek(0) == "," else { throw fail("expecting ',' or '}'") }
        i += 1
        skipSpace(newlines: false)
        var max: Int?
        if let d = peek(0), d.properties.numericType != nil, d.isASCII {
            max = try integer()
            skipSpace(newlines: false)
        }
        guard peek(0) == "}" else { throw fail("expecting '}'") }
        i += 1
        if let max, max < min { throw fail("a repetition's maximum is below its minimum") }
        return (min, max)
    }

    private mutating func integer() throws(ToolGrammarError) -> Int {
        var value = 0
        let start = i
        while let c = peek(0), c.isASCII, let digit = Int(String(c)) {
            value = value * 10 + digit
            guard value < 1_000_000 else { throw fail("a repetition count is too large", at: start) }
            i += 1
        }
        guard i > start else { throw fail("expecting an integer") }
        return value
    }

    private mutating func name() throws(ToolGrammarError) -> String {
        let start = i
        while let c = peek(0), Self.isWordCharacter(c) { i += 1 }
        guard i > start else { throw fail("expecting a name") }
        var name = String.UnicodeScalarView()
        name.append(contentsOf: text[start..<i])
        return String(name)
    }

    /// One character of a literal or class: an escape or one scalar.
    private mutating func character() throws(ToolGrammarError) -> Unicode.Scalar {
        let start = i
        let c = text[i]
        guard c == "\\" else {
            i += 1
            guard c.value != 0 else { throw fail("a NUL character", at: start) }
            return c
        }
        guard let e = peek(1) else { throw fail("unexpected end of input after '\\'") }
        i += 2
        switch e {
        case "x": return try hexScalar(digits: 2, start: start)
        case "u": return try hexScalar(digits: 4, start: start)
        case "U": return try hexScalar(digits: 8, start: start)
        case "t": return "\t"
        case "r": return "\r"
        case "n": return "\n"
        case "\\", "\"", "[", "]": return e
        default: throw fail("unknown escape '\\\(e)'", at: start)
        }
    }

    private mutating func hexScalar(digits: Int, start: Int) throws(ToolGrammarError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let c = peek(0), c.isASCII, let digit = UInt32(String(c), radix: 16) else {
                throw fail("expecting \(digits) hex digits", at: start)
            }
            value = value << 4 | digit
            i += 1
        }
        guard value != 0 else { throw fail("a NUL character", at: start) }
        guard let scalar = Unicode.Scalar(value) else { throw fail("not a Unicode scalar value", at: start) }
        return scalar
    }

    private mutating func skipSpace(newlines: Bool) {
        while let c = peek(0) {
            if c == "#" {
                while let d = peek(0), d != "\r", d != "\n" { i += 1 }
            } else if c == " " || c == "\t" || (newlines && (c == "\r" || c == "\n")) {
                i += 1
            } else {
                return
            }
        }
    }

    private func peek(_ offset: Int) -> Unicode.Scalar? {
        i + offset < text.count ? text[i + offset] : nil
    }

    private static func isWordCharacter(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-"
    }

    private func fail(_ reason: String, at position: Int? = nil) -> ToolGrammarError {
        let position = position ?? i
        var line = 1
        var column = 1
        for c in text[..<min(position, text.count)] {
            if c == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return .invalidGrammar(line: line, column: column, reason: reason)
    }
}
