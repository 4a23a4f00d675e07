/// A context-free grammar in the shape GBNF (llama.cpp's grammar format) writes: named rules over
/// literals, character classes, rule references, sequences, choices and repetitions. The start rule is
/// ``rootName``.
///
/// Built by ``GrammarBuilder``, written as GBNF text by ``gbnf``, read back from text by ``GBNFParser`` and
/// judged by ``GrammarChecker``; ``GrammarMatcher`` tells whether a text is in its language.
public struct Grammar: Sendable, Equatable {
    public struct Rule: Sendable, Equatable {
        public var name: String
        public var expression: GrammarExpression

        public init(name: String, expression: GrammarExpression) {
            self.name = name
            self.expression = expression
        }
    }

    public static let rootName = "root"

    /// The rules in the order they are written; names are unique.
    public var rules: [Rule]

    public init(rules: [Rule]) {
        self.rules = rules
    }

    /// The rule named `name`.
    public subscript(name: String) -> GrammarExpression? {
        rules.first { $0.name == name }?.expression
    }
}

/// One right-hand side of a rule.
public indirect enum GrammarExpression: Sendable, Hashable {
    /// These Unicode scalars, in order; the empty literal matches nothing (the empty string).
    case literal(String)
    /// One Unicode scalar in (or, negated, not in) a set.
    case characters(CharacterClass)
    /// The rule of that name.
    case reference(String)
    /// Each item in turn.
    case sequence([GrammarExpression])
    /// Any one of the alternatives.
    case choice([GrammarExpression])
    /// `min` or more repetitions of the item, at most `max` (nil: unbounded).
    case repetition(GrammarExpression, min: Int, max: Int?)

    /// `item?`
    public static func optional(_ item: GrammarExpression) -> GrammarExpression { .repetition(item, min: 0, max: 1) }
    /// `item*`
    public static func zeroOrMore(_ item: GrammarExpression) -> GrammarExpression {
        .repetition(item, min: 0, max: nil)
    }
    /// `item+`
    public static func oneOrMore(_ item: GrammarExpression) -> GrammarExpression {
        .repetition(item, min: 1, max: nil)
    }

    /// A sequence without empty literals and with nested sequences flattened; a single item stands alone.
    public static func sequenceOf(_ items: [GrammarExpression]) -> GrammarExpression {
        var flat: [GrammarExpression] = []
        for item in items {
            switch item {
            case .literal(let text) where text.isEmpty:
                continue
            case .literal(let text):
                // Adjacent literals read better as one.
                if case .literal(let previous)? = flat.last {
                    flat[flat.count - 1] = .literal(previous + text)
                } else {
                    flat.append(.literal(text))
                }
            case .sequence(let inner):
                for element in inner { flat.append(element) }
            default:
                flat.append(item)
            }
        }
        if flat.count == 1 { return flat[0] }
        if flat.isEmpty { return .literal("") }
        return .sequence(flat)
    }

    /// A choice with nested choices flattened and duplicates removed; a single alternative stands alone.
    public static func choiceOf(_ alternatives: [GrammarExpression]) -> GrammarExpression {
        var flat: [GrammarExpression] = []
        for alternative in alternatives {
            if case .choice(let inner) = alternative {
                for element in inner where !flat.contains(element) { flat.append(element) }
            } else if !flat.contains(alternative) {
                flat.append(alternative)
            }
        }
        return flat.count == 1 ? flat[0] : .choice(flat)
    }
}

/// A set of Unicode scalars as inclusive ranges of scalar values, possibly negated (`[^…]`).
public struct CharacterClass: Sendable, Hashable {
    public var negated: Bool
    public var ranges: [ClosedRange<UInt32>]

    public init(_ ranges: [ClosedRange<UInt32>], negated: Bool = false) {
        self.ranges = ranges
        self.negated = negated
    }

    /// Exactly these characters.
    public init(characters: String, negated: Bool = false) {
        self.ranges = characters.unicodeScalars.map { $0.value...$0.value }
        self.negated = negated
    }

    public func contains(_ scalar: UInt32) -> Bool {
        var found = false
        for range in ranges where range.contains(scalar) {
            found = true
            break
        }
        return found != negated
    }

    /// A class excluding `excluded` as well: for a negated class the excluded scalars join its ranges; for
    /// a positive class they are cut out of them.
    public func subtracting(_ excluded: Set<UInt32>) -> CharacterClass {
        if negated {
            var ranges = self.ranges
            for scalar in excluded.sorted() where !ranges.contains(where: { $0.contains(scalar) }) {
                ranges.append(scalar...scalar)
            }
            return CharacterClass(ranges, negated: true)
        }
        var result: [ClosedRange<UInt32>] = []
        for range in ranges {
            var low = range.lowerBound
            for scalar in excluded.sorted() where range.contains(scalar) {
                if scalar > low { result.append(low...(scalar - 1)) }
                low = scalar + 1
            }
            if low <= range.upperBound, low >= range.lowerBound { result.append(low...range.upperBound) }
        }
        return CharacterClass(result)
    }
}
