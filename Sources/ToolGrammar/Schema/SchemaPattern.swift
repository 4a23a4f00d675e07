/// A JSON schema `pattern` (ECMA-262 syntax), in the subset a grammar can express: literals, `.`, classes
/// (`[a-z_]`, `[^…]`, `\d \w \s` and their negations), groups (`(…)`, `(?:…)`), alternation, and the
/// quantifiers `* + ? {n} {n,} {n,m}` (a lazy `?` after one changes nothing here). `^` and `$` may only open
/// and close the pattern; without them the pattern matches anywhere in the text, as the keyword means.
/// Anything else (back-references, lookaround, `\b`, Unicode properties, flags) makes the pattern
/// inexpressible: ``init(_:)`` returns nil and the converter leaves the keyword out.
struct SchemaPattern: Sendable {
    indirect enum Node: Sendable {
        case scalars(CharacterClass)
        case sequence([Node])
        case choice([Node])
        case repetition(Node, min: Int, max: Int?)
    }

    /// The whole text's shape: the pattern with `.*` before and after where it is not anchored.
    let node: Node

    /// Repetition counts above this are not enforced (a bound keeps grammars small).
    static let maximumCount = 64

    init?(_ pattern: String) {
        var parser = Parser(scalars: Array(pattern.unicodeScalars))
        let anchoredStart = parser.take("^")
        guard var body = parser.alternation(), parser.atEnd || parser.peek == "$" else { return nil }
        let anchoredEnd = parser.take("$")
        guard parser.atEnd else { return nil }
        let anything = Node.repetition(.scalars(CharacterClass([], negated: true)), min: 0, max: nil)
        if !anchoredStart || !anchoredEnd {
            body = .sequence((anchoredStart ? [] : [anything]) + [body] + (anchoredEnd ? [] : [anything]))
        }
        node = body
    }

    /// The pattern as a grammar expression, each set of scalars written by `write`.
    func expression(_ builder: inout GrammarBuilder, name: String,
                    write: (CharacterClass) -> GrammarExpression) -> GrammarExpression
    {
        Self.expression(node, &builder, name: name, write: write)
    }

    private static func expression(_ node: Node, _ builder: inout GrammarBuilder, name: String,
                                   write: (CharacterClass) -> GrammarExpression) -> GrammarExpression
    {
        switch node {
        case .scalars(let set):
            return write(set)
        case .sequence(let items):
            return .sequenceOf(items.map { expression($0, &builder, name: name, write: write) })
        case .choice(let alternatives):
            return .choiceOf(alternatives.map { expression($0, &builder, name: name, write: write) })
        case .repetition(let item, let min, let max):
            let inner = expression(item, &builder, name: name, write: write)
            let low = Swift.min(min, maximumCount)
            let high = max.flatMap { $0 > maximumCount ? nil : Swift.max($0, low) }
            return builder.repeated(inner, min: low, max: high, name: name)
        }
    }

    /// A recursive-descent reader of the subset.
    private struct Parser {
        let scalars: [Unicode.Scalar]
        var index = 0

        var atEnd: Bool { index >= scalars.count }
        var peek: Unicode.Scalar? { atEnd ? nil : scalars[index] }

        mutating func take(_ scalar: Unicode.Scalar) -> Bool {
            guard peek == scalar else { return false }
            index += 1
            return true
        }

        mutating func alternation() -> Node? {
            var alternatives: [Node] = []
            repeat {
                guard let sequence = sequence() else { return nil }
                alternatives.append(sequence)
            } while take("|")
            return alternatives.count == 1 ? alternatives[0] : .choice(alternatives)
        }

        mutating func sequence() -> Node? {
            var items: [Node] = []
            while let scalar = peek, scalar != "|", scalar != ")" {
                if scalar == "$" && index == scalars.count - 1 { break }
                guard let atom = atom(), let quantified = quantified(atom) else { return nil }
                items.append(quantified)
            }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        mutating func quantified(_ atom: Node) -> Node? {
            let bounds: (Int, Int?)
            if take("*") {
                bounds = (0, nil)
            } else if take("+") {
                bounds = (1, nil)
            } else if take("?") {
                bounds = (0, 1)
            } else if peek == "{", let counted = counts() {
                bounds = counted
            } else {
                return atom
            }
            _ = take("?")
            if let scalar = peek, "*+?{".unicodeScalars.contains(scalar) { return nil }
            return .repetition(atom, min: bounds.0, max: bounds.1)
        }

        /// `{n}`, `{n,}`, `{n,m}`; nil (nothing read) when the brace opens no count, which ECMA-262 reads as
        /// a literal `{` outside Unicode mode — refused here by `atom`.
        mutating func counts() -> (Int, Int?)? {
            let start = index
            index += 1
            guard let low = number() else { index = start; return nil }
            var high: Int? = low
            if take(",") { high = number() }
            guard take("}"), high.map({ $0 >= low }) ?? true else { index = start; return nil }
            return (low, high)
        }

        mutating func number() -> Int? {
            var value: Int?
            while let scalar = peek, let digit = Int(String(scalar)), scalar.isASCII {
                value = Swift.min((value ?? 0) * 10 + digit, 1_000_000)
                index += 1
            }
            return value
        }

        mutating func atom() -> Node? {
            guard let scalar = peek else { return nil }
            index += 1
            switch scalar {
            case "(":
                if take("?") { guard take(":") else { return nil } }
                guard let inner = alternation(), take(")") else { return nil }
                return inner
            case ".":
                return .scalars(CharacterClass(characters: "\n\r\u{2028}\u{2029}", negated: true))
            case "[":
                return characterClass()
            case "\\":
                return escape(inClass: false).map { .scalars($0) }
            case "^", "$", "*", "+", "?", "{", "}", "]", ")":
                return nil
            default:
                return .scalars(CharacterClass([scalar.value...scalar.value]))
            }
        }

        mutating func characterClass() -> Node? {
            let negated = take("^")
            var ranges: [ClosedRange<UInt32>] = []
            while let scalar = peek, scalar != "]" {
                guard let low = classMember() else { return nil }
                if peek == "-", index + 1 < scalars.count, scalars[index + 1] != "]" {
                    index += 1
                    guard let high = classMember(), low.ranges.count == 1, high.ranges.count == 1, !low.negated,
                          !high.negated, low.ranges[0].count == 1, high.ranges[0].count == 1,
                          low.ranges[0].lowerBound <= high.ranges[0].lowerBound
                    else { return nil }
                    ranges.append(low.ranges[0].lowerBound...high.ranges[0].lowerBound)
                } else {
                    guard !low.negated else { return nil }
                    ranges += low.ranges
                }
            }
            // `[]` matches nothing: no grammar needs that.
            guard take("]"), negated || !ranges.isEmpty else { return nil }
            return .scalars(CharacterClass(ranges, negated: negated))
        }

        /// One member of a class: a scalar or an escape (a class escape like `\d` gives several ranges).
        mutating func classMember() -> CharacterClass? {
            guard let scalar = peek else { return nil }
            index += 1
            if scalar == "\\" { return escape(inClass: true) }
            if scalar == "[" { return nil }
            return CharacterClass([scalar.value...scalar.value])
        }

        mutating func escape(inClass: Bool) -> CharacterClass? {
            guard let scalar = peek else { return nil }
            index += 1
            let digits: [ClosedRange<UInt32>] = [0x30...0x39]
            let word: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
            let space: [ClosedRange<UInt32>] = [0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0xFEFF...0xFEFF,
                                                0x2028...0x2029]
            switch scalar {
            case "d": return CharacterClass(digits)
            case "D": return CharacterClass(digits, negated: true)
            case "w": return CharacterClass(word)
            case "W": return CharacterClass(word, negated: true)
            case "s": return CharacterClass(space)
            case "S": return CharacterClass(space, negated: true)
            case "t": return CharacterClass(characters: "\t")
            case "n": return CharacterClass(characters: "\n")
            case "r": return CharacterClass(characters: "\r")
            case "f": return CharacterClass(characters: "\u{0C}")
            case "v": return CharacterClass(characters: "\u{0B}")
            case "x": return hex(count: 2)
            case "u": return hex(count: 4)
            default:
                // An escaped punctuation mark is itself; an escaped letter or digit means something else.
                guard scalar.isASCII, !scalar.properties.isAlphabetic, !("0"..."9").contains(scalar) else {
                    return nil
                }
                return CharacterClass([scalar.value...scalar.value])
            }
        }

        mutating func hex(count: Int) -> CharacterClass? {
            guard index + count <= scalars.count,
                  let value = UInt32(String(String.UnicodeScalarView(scalars[index..<index + count])), radix: 16),
                  !(0xD800...0xDFFF).contains(value), value != 0
            else { return nil }
            index += count
            return CharacterClass([value...value])
        }
    }
}
