import ToolGrammar
import ToolParsing

/// Random texts from a grammar, for property tests: every choice and repetition count is drawn from a seeded
/// generator; character classes prefer characters that break formats (quotes, backslashes, `<`, `>`, brackets,
/// newlines, non-ASCII) and the characters of the grammar's own literals (so strings come close to the
/// family's markers). Past `depthLimit` the shortest way out is taken, so texts stay short.
struct GrammarSampler {
    let grammar: Grammar
    var random: SplitMix64
    var depthLimit = 80
    private let rules: [String: GrammarExpression]
    private let interesting: [Unicode.Scalar]

    init(_ grammar: Grammar, seed: UInt64) {
        self.grammar = grammar
        random = SplitMix64(seed: seed)
        var rules: [String: GrammarExpression] = [:]
        var literalScalars: [Unicode.Scalar] = []
        for rule in grammar.rules {
            rules[rule.name] = rule.expression
            Self.collectLiterals(rule.expression, into: &literalScalars)
        }
        self.rules = rules
        var seen = Set<Unicode.Scalar>()
        interesting = (Array("\"\\'<>/[]{}()=:,;| \n\t\rabcxyzAZ019_-.é日€😀｜▁".unicodeScalars) + literalScalars)
            .filter { seen.insert($0).inserted }
    }

    private static func collectLiterals(_ expression: GrammarExpression, into out: inout [Unicode.Scalar]) {
        switch expression {
        case .literal(let text): out += text.unicodeScalars
        case .characters, .reference: break
        case .sequence(let items), .choice(let items): for item in items { collectLiterals(item, into: &out) }
        case .repetition(let item, _, _): collectLiterals(item, into: &out)
        }
    }

    mutating func sample(_ expression: GrammarExpression = .reference(Grammar.rootName)) -> String {
        var out = ""
        emit(expression, depth: 0, into: &out)
        return out
    }

    private mutating func emit(_ expression: GrammarExpression, depth: Int, into out: inout String) {
        if depth > depthLimit {
            out += grammar.shortestText(expression) ?? ""
            return
        }
        switch expression {
        case .literal(let text):
            out += text
        case .characters(let characterClass):
            for _ in 0..<12 {
                let candidate = interesting[random.next(below: interesting.count)]
                if characterClass.contains(candidate.value) {
                    out.unicodeScalars.append(candidate)
                    return
                }
            }
            out += grammar.shortestText(expression) ?? ""
        case .reference(let name):
            if let body = rules[name] { emit(body, depth: depth + 1, into: &out) }
        case .sequence(let items):
            for item in items { emit(item, depth: depth + 1, into: &out) }
        case .choice(let alternatives):
            emit(alternatives[random.next(below: alternatives.count)], depth: depth + 1, into: &out)
        case .repetition(let item, let min, let max):
            let upper = Swift.min(max ?? (min + 3), min + 3)
            let count = min + random.next(below: upper - min + 1)
            for _ in 0..<count { emit(item, depth: depth + 1, into: &out) }
        }
    }
}

extension SplitMix64 {
    /// A number in `0..<bound` (0 when `bound` is at most 1), by plain modulo: what the samples were drawn with.
    mutating func next(below bound: Int) -> Int {
        bound <= 1 ? 0 : Int(next() % UInt64(bound))
    }
}
