/// Judges a grammar before it goes to a backend: it must parse as GBNF and be one a grammar engine can run.
///
/// llama.cpp's engine expands rules depth-first at the leftmost position, so a left-recursive rule (one that
/// can reach itself before reading a character, directly, through other rules, or through a repetition of
/// something that can match nothing) recurses without end; its own detector misses the cases where the
/// empty match comes through another rule. A rule that can never finish forces the model to write until
/// `max_tokens`. llama-cpp-python's server dies on a grammar it cannot load. So: `root` exists, every
/// referenced rule is defined, no alternative is empty, no repetition can match nothing, no rule is left
/// recursive, every rule reachable from `root` can finish, and nesting stays shallow.
public enum GrammarChecker {
    /// Deeper expression nesting than this is refused (GBNF readers parse groups recursively).
    public static let maximumNesting = 64

    /// Parses GBNF text and checks the grammar it defines.
    @discardableResult
    public static func check(gbnf: String) throws(ToolGrammarError) -> Grammar {
        let grammar = try GBNFParser.parse(gbnf)
        try check(grammar)
        return grammar
    }

    public static func check(_ grammar: Grammar) throws(ToolGrammarError) {
        var index: [String: Int] = [:]
        for (i, rule) in grammar.rules.enumerated() {
            guard index[rule.name] == nil else { throw problem("rule '\(rule.name)' is defined twice") }
            guard !rule.name.isEmpty, rule.name.unicodeScalars.allSatisfy(isNameScalar) else {
                throw problem("'\(rule.name)' is not a rule name (ASCII letters, digits and '-')")
            }
            index[rule.name] = i
        }
        guard index[Grammar.rootName] != nil else { throw problem("no rule named 'root'") }
        for rule in grammar.rules {
            try checkStructure(rule.expression, rule: rule.name, index: index, depth: 0)
        }
        let analysis = GrammarAnalysis(grammar)
        for rule in grammar.rules {
            if let rule = try analysis.nullableRepetition(in: rule) {
                throw problem("rule '\(rule)' repeats something that can match nothing (an endless loop)")
            }
        }
        if let cycle = analysis.leftRecursion() {
            throw problem("left recursion: \(cycle.joined(separator: " -> "))")
        }
        for name in analysis.reachable(from: Grammar.rootName) where analysis.minimumLength[name] == nil {
            throw problem("rule '\(name)' can never finish")
        }
    }

    private static func checkStructure(_ expression: GrammarExpression, rule: String, index: [String: Int],
                                       depth: Int) throws(ToolGrammarError)
    {
        guard depth <= maximumNesting else { throw problem("rule '\(rule)' nests deeper than \(maximumNesting)") }
        switch expression {
        case .literal(let text):
            if text.unicodeScalars.contains(where: { $0.value == 0 }) { throw problem("rule '\(rule)' has a NUL") }
        case .characters(let characterClass):
            guard !characterClass.ranges.isEmpty || characterClass.negated else {
                throw problem("rule '\(rule)' has an empty character class")
            }
            for range in characterClass.ranges where range.lowerBound > range.upperBound || range.lowerBound == 0 {
                throw problem("rule '\(rule)' has a bad character range")
            }
        case .reference(let name):
            guard index[name] != nil else { throw problem("rule '\(rule)' refers to undefined rule '\(name)'") }
        case .sequence(let items):
            guard !items.isEmpty else { throw problem("rule '\(rule)' has an empty sequence") }
            if items.allSatisfy(isEmptyLiteral) { throw problem("rule '\(rule)' has an empty alternative") }
            for item in items { try checkStructure(item, rule: rule, index: index, depth: depth + 1) }
        case .choice(let alternatives):
            guard !alternatives.isEmpty else { throw problem("rule '\(rule)' has an empty choice") }
            for alternative in alternatives {
                if isEmptyLiteral(alternative) { throw problem("rule '\(rule)' has an empty alternative") }
                try checkStructure(alternative, rule: rule, index: index, depth: depth + 1)
            }
        case .repetition(let item, let min, let max):
            guard min >= 0, max.map({ $0 >= min && $0 > 0 }) ?? true else {
                throw problem("rule '\(rule)' has a repetition with bad bounds")
            }
            try checkStructure(item, rule: rule, index: index, depth: depth + 1)
        }
        if depth == 0, isEmptyLiteral(expression) { throw problem("rule '\(rule)' is empty") }
    }

    private static func isEmptyLiteral(_ expression: GrammarExpression) -> Bool {
        if case .literal(let text) = expression { return text.isEmpty }
        if case .sequence(let items) = expression { return items.allSatisfy(isEmptyLiteral) }
        return false
    }

    private static func isNameScalar(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "-"
    }

    private static func problem(_ reason: String) -> ToolGrammarError {
        .invalidGrammar(line: 0, column: 0, reason: reason)
    }
}

/// Facts about a grammar's rules: which can match the empty string, the shortest text each can match, what
/// each can reach before reading a character.
struct GrammarAnalysis {
    let grammar: Grammar
    let rules: [String: GrammarExpression]
    /// Rules that can match the empty string.
    let nullable: Set<String>
    /// The length in scalars of the shortest text each rule matches; absent for rules that never finish.
    let minimumLength: [String: Int]

    init(_ grammar: Grammar) {
        self.grammar = grammar
        var rules: [String: GrammarExpression] = [:]
        for rule in grammar.rules { rules[rule.name] = rule.expression }
        self.rules = rules
        // Both are least fixpoints: iterate until nothing changes.
        var lengths: [String: Int] = [:]
        var changed = true
        while changed {
            changed = false
            for rule in grammar.rules {
                guard let length = Self.minimumLength(rule.expression, lengths) else { continue }
                if lengths[rule.name].map({ length < $0 }) ?? true {
                    lengths[rule.name] = length
                    changed = true
                }
            }
        }
        minimumLength = lengths
        nullable = Set(lengths.filter { $0.value == 0 }.keys)
    }

    static func minimumLength(_ expression: GrammarExpression, _ lengths: [String: Int]) -> Int? {
        switch expression {
        case .literal(let text): return text.unicodeScalars.count
        case .characters: return 1
        case .reference(let name): return lengths[name]
        case .sequence(let items):
            var total = 0
            for item in items {
                guard let length = minimumLength(item, lengths) else { return nil }
                total += length
            }
            return total
        case .choice(let alternatives):
            return alternatives.compactMap { minimumLength($0, lengths) }.min()
        case .repetition(let item, let min, _):
            if min == 0 { return 0 }
            return minimumLength(item, lengths).map { $0 * min }
        }
    }

    func isNullable(_ expression: GrammarExpression) -> Bool {
        Self.minimumLength(expression, minimumLength) == 0
    }

    /// The first rule with an unbounded repetition of something nullable, if any.
    func nullableRepetition(in rule: Grammar.Rule) throws(ToolGrammarError) -> String? {
        func visit(_ expression: GrammarExpression) -> Bool {
            switch expression {
            case .literal, .characters, .reference: return false
            case .sequence(let items), .choice(let items): return items.contains(where: visit)
            case .repetition(let item, _, let max):
                if (max == nil || max.map { $0 > 1 } == true) && isNullable(item) { return true }
                return visit(item)
            }
        }
        return visit(rule.expression) ? rule.name : nil
    }

    /// The rules an expression can enter before reading a character.
    func leftmostReferences(_ expression: GrammarExpression) -> [String] {
        switch expression {
        case .literal, .characters:
            return []
        case .reference(let name):
            return [name]
        case .sequence(let items):
            var names: [String] = []
            for item in items {
                names += leftmostReferences(item)
                if !isNullable(item) { break }
            }
            return names
        case .choice(let alternatives):
            return alternatives.flatMap(leftmostReferences)
        case .repetition(let item, _, _):
            return leftmostReferences(item)
        }
    }

    /// A cycle of rules that reach each other before reading a character, or nil.
    func leftRecursion() -> [String]? {
        var edges: [String: [String]] = [:]
        for rule in grammar.rules { edges[rule.name] = leftmostReferences(rule.expression) }
        var state: [String: Int] = [:]  // 1 = on the path, 2 = done
        var path: [String] = []
        func visit(_ name: String) -> [String]? {
            if state[name] == 2 { return nil }
            if state[name] == 1 {
                let start = path.firstIndex(of: name) ?? 0
                return Array(path[start...]) + [name]
            }
            state[name] = 1
            path.append(name)
            for next in edges[name] ?? [] {
                if let cycle = visit(next) { return cycle }
            }
            path.removeLast()
            state[name] = 2
            return nil
        }
        for rule in grammar.rules {
            if let cycle = visit(rule.name) { return cycle }
        }
        return nil
    }

    /// Rule names reachable from `start` (itself included), in discovery order.
    func reachable(from start: String) -> [String] {
        var seen: Set<String> = [start]
        var order = [start]
        var i = 0
        while i < order.count {
            if let expression = rules[order[i]] {
                for name in Self.references(expression) where seen.insert(name).inserted { order.append(name) }
            }
            i += 1
        }
        return order
    }

    static func references(_ expression: GrammarExpression) -> [String] {
        switch expression {
        case .literal, .characters: return []
        case .reference(let name): return [name]
        case .sequence(let items), .choice(let items): return items.flatMap(references)
        case .repetition(let item, _, _): return references(item)
        }
    }
}
