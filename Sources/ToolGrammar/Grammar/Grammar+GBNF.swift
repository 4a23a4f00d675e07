/// Writing a grammar as GBNF text, in the subset every GBNF reader takes (llama.cpp since its first grammar
/// release, llama-cpp-python, xgrammar): one rule per line, `?`, `*` and `+` only (a bounded repetition is
/// written out), every character outside printable ASCII escaped.
extension Grammar {
    /// The grammar as GBNF text, one rule per line, root first.
    public var gbnf: String {
        var out = ""
        var ordered = rules.filter { $0.name == Grammar.rootName }
        ordered += rules.filter { $0.name != Grammar.rootName }
        for rule in ordered {
            out += rule.name
            out += " ::= "
            GBNFWriter.write(rule.expression, to: &out, context: .top)
            out += "\n"
        }
        return out
    }
}

enum GBNFWriter {
    enum Context {
        /// A rule's right-hand side: a choice needs no parentheses.
        case top
        /// An item of a sequence: a choice needs parentheses.
        case sequenceItem
        /// The operand of `?`, `*`, `+`: anything but an atom needs parentheses.
        case repeated
    }

    static func write(_ expression: GrammarExpression, to out: inout String, context: Context) {
        switch expression {
        case .literal(let text):
            out += "\""
            for scalar in text.unicodeScalars { escape(scalar, inClass: false, to: &out) }
            out += "\""
        case .characters(let characterClass):
            out += characterClass.negated ? "[^" : "["
            for range in characterClass.ranges {
                escape(Unicode.Scalar(range.lowerBound) ?? "\u{FFFD}", inClass: true, to: &out)
                if range.upperBound != range.lowerBound {
                    out += "-"
                    escape(Unicode.Scalar(range.upperBound) ?? "\u{FFFD}", inClass: true, to: &out)
                }
            }
            out += "]"
        case .reference(let name):
            out += name
        case .sequence(let items):
            let wrap = context == .repeated
            if wrap { out += "(" }
            for (i, item) in items.enumerated() {
                if i > 0 { out += " " }
                write(item, to: &out, context: .sequenceItem)
            }
            if wrap { out += ")" }
        case .choice(let alternatives):
            let wrap = context != .top
            if wrap { out += "(" }
            for (i, alternative) in alternatives.enumerated() {
                if i > 0 { out += " | " }
                write(alternative, to: &out, context: .sequenceItem)
            }
            if wrap { out += ")" }
        case .repetition(let item, let min, let max):
            writeRepetition(item, min: min, max: max, to: &out, context: context)
        }
    }

    /// `?`, `*`, `+` as such; any other bound as copies of the item followed by nested optionals
    /// (`x{2,4}` is `x x (x (x)?)?`), which older GBNF readers understand too.
    private static func writeRepetition(_ item: GrammarExpression, min: Int, max: Int?, to out: inout String,
                                        context: Context)
    {
        switch (min, max) {
        case (0, 1?):
            write(item, to: &out, context: .repeated)
            out += "?"
        case (0, nil):
            write(item, to: &out, context: .repeated)
            out += "*"
        case (1, nil):
            write(item, to: &out, context: .repeated)
            out += "+"
        default:
            var parts: [GrammarExpression] = Array(repeating: item, count: min)
            if let max {
                var tail: GrammarExpression?
                for _ in stride(from: 0, to: max - min, by: 1) {
                    tail = .optional(tail.map { .sequence([item, $0]) } ?? item)
                }
                if let tail { parts.append(tail) }
            } else {
                parts.append(.zeroOrMore(item))
            }
            if parts.isEmpty {
                out += "\"\""
            } else {
                write(parts.count == 1 ? parts[0] : .sequence(parts), to: &out, context: context)
            }
        }
    }

    /// One scalar inside `"…"` or `[…]`: printable ASCII as is (except the quote, backslash, brackets and,
    /// in a class, `-` and `^`), everything else as `\xHH`, `\uHHHH` or `\UHHHHHHHH`.
    static func escape(_ scalar: Unicode.Scalar, inClass: Bool, to out: inout String) {
        let value = scalar.value
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "[" where inClass: out += "\\["
        case "]" where inClass: out += "\\]"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "-" where inClass, "^" where inClass: out += "\\x" + hex(value, digits: 2)
        default:
            if value >= 0x20 && value < 0x7F {
                out.unicodeScalars.append(scalar)
            } else if value < 0x100 {
                out += "\\x" + hex(value, digits: 2)
            } else if value < 0x10000 {
                out += "\\u" + hex(value, digits: 4)
            } else {
                out += "\\U" + hex(value, digits: 8)
            }
        }
    }

    private static func hex(_ value: UInt32, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
