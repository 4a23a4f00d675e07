extension GrammarBuilder {
    /// Any text of `allowed` characters and `escape` units that contains none of the automaton's delimiters:
    /// one rule per automaton state (`name-0` is the start), each a choice of "a character, then the state it
    /// leads to". Characters that occur in no delimiter lead back to the start from every state, so the rules
    /// stay small.
    ///
    /// An escape unit leads back to the start too: the caller guarantees (``DelimitedTextPolicy``) that no
    /// delimiter contains a backslash or starts with a character an escape can produce. `trailing` is the
    /// text the format writes right after this text: a state from which reading it would complete a delimiter
    /// earlier than it does from the start (a value ending in `</parame` before `ter>`) cannot end the text.
    mutating func delimitedText(name: String, allowed: CharacterClass, escape: GrammarExpression?,
                                automaton: DelimiterAutomaton, trailing: String?) -> GrammarExpression
    {
        guard !automaton.isEmpty else {
            var units: [GrammarExpression] = [.characters(allowed)]
            if let escape { units.append(escape) }
            return .zeroOrMore(.choiceOf(units))
        }
        let states = automaton.liveStates
        let trailingScalars = trailing.map { $0.unicodeScalars.map(\.value) }
        let expectedEnd = trailingScalars.flatMap { automaton.firstMatchEnd($0, from: 0) }
        var names: [Int: String] = [:]
        for state in states { names[state] = reserve("\(name)-\(state == 0 ? "0" : String(names.count))") }
        let start = names[0] ?? name
        let alphabet = automaton.alphabet.sorted()
        for state in states {
            var alternatives: [GrammarExpression] = []
            // Delimiter characters that lead elsewhere than the start (or complete a delimiter) are taken out
            // of the class that leads back to the start; they get their own alternatives.
            var byTarget: [Int: [UInt32]] = [:]
            var excluded = Set<UInt32>()
            for scalar in alphabet where allowed.contains(scalar) {
                let target = automaton.next(state, scalar)
                if target != 0 { excluded.insert(scalar) }
                if let target, target != 0 { byTarget[target, default: []].append(scalar) }
            }
            for scalar in alphabet where !allowed.contains(scalar) { excluded.insert(scalar) }
            var toStart: [GrammarExpression] = []
            let back = allowed.subtracting(excluded)
            if back.negated || !back.ranges.isEmpty { toStart.append(.characters(back)) }
            if let escape { toStart.append(escape) }
            if !toStart.isEmpty {
                alternatives.append(.sequenceOf([.choiceOf(toStart), .reference(start)]))
            }
            for target in byTarget.keys.sorted() {
                guard let scalars = byTarget[target], let targetName = names[target] else { continue }
                let head: GrammarExpression = scalars.count == 1
                    ? .literal(String(scalar: scalars[0]))
                    : .characters(CharacterClass(scalars.map { $0...$0 }))
                alternatives.append(.sequenceOf([head, .reference(targetName)]))
            }
            var canEnd = true
            if let trailingScalars {
                canEnd = automaton.firstMatchEnd(trailingScalars, from: state) == expectedEnd
            }
            let body = GrammarExpression.choiceOf(alternatives)
            if let stateName = names[state] {
                define(stateName, alternatives.isEmpty ? .literal("") : (canEnd ? .optional(body) : body))
            }
        }
        return .reference(start)
    }
}

/// When delimited text with escape units is exact: no delimiter contains a backslash (an escape would hide
/// it) or starts with a character an escape sequence can contain (the escape's tail could begin one).
/// Every family's markers start with `<` or `[`; a family whose markers break this gets no grammar.
enum DelimitedTextPolicy {
    static func escapesAreSafe(_ automaton: DelimiterAutomaton, escapeCharacters: Set<UInt32>) -> Bool {
        if automaton.alphabet.contains(UInt32(UInt8(ascii: "\\"))) { return false }
        let firsts = Set(automaton.delimiters.compactMap(\.first))
        return firsts.isDisjoint(with: escapeCharacters)
    }
}
