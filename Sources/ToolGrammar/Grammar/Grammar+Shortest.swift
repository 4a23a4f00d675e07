extension Grammar {
    /// The shortest text `expression` matches within this grammar (a plain character where a class
    /// allows one), or nil when it can never finish. The constraint's self-check feeds it to the family's
    /// parser.
    public func shortestText(_ expression: GrammarExpression) -> String? {
        let analysis = GrammarAnalysis(self)
        var out = ""
        guard Self.shortest(expression, analysis, into: &out, depth: 0) else { return nil }
        return out
    }

    /// The shortest text of the whole grammar (its `root`).
    public var shortestText: String? { shortestText(.reference(Grammar.rootName)) }

    private static func shortest(_ expression: GrammarExpression, _ analysis: GrammarAnalysis, into out: inout String,
                                 depth: Int) -> Bool
    {
        guard depth < 10_000 else { return false }
        switch expression {
        case .literal(let text):
            out += text
            return true
        case .characters(let characterClass):
            guard let scalar = representative(characterClass) else { return false }
            out.unicodeScalars.append(scalar)
            return true
        case .reference(let name):
            guard let body = analysis.rules[name] else { return false }
            return shortest(body, analysis, into: &out, depth: depth + 1)
        case .sequence(let items):
            for item in items where !shortest(item, analysis, into: &out, depth: depth + 1) { return false }
            return true
        case .choice(let alternatives):
            let best = alternatives.min { a, b in
                (GrammarAnalysis.minimumLength(a, analysis.minimumLength) ?? .max)
                    < (GrammarAnalysis.minimumLength(b, analysis.minimumLength) ?? .max)
            }
            guard let best else { return false }
            return shortest(best, analysis, into: &out, depth: depth + 1)
        case .repetition(let item, let min, _):
            for _ in 0..<min where !shortest(item, analysis, into: &out, depth: depth + 1) { return false }
            return true
        }
    }

    /// A plain member of a class: a letter or digit when it has one.
    static func representative(_ characterClass: CharacterClass) -> Unicode.Scalar? {
        for candidate in ["a", "x", "0", "1", " ", "_", "A", "é"] as [Unicode.Scalar]
        where characterClass.contains(candidate.value) {
            return candidate
        }
        if !characterClass.negated {
            for range in characterClass.ranges {
                for value in range.lowerBound...min(range.upperBound, range.lowerBound + 0x900) {
                    if let scalar = Unicode.Scalar(value) { return scalar }
                }
            }
            return nil
        }
        for value in UInt32(0x21)...0x2FF where characterClass.contains(value) { return Unicode.Scalar(value) }
        return nil
    }
}
