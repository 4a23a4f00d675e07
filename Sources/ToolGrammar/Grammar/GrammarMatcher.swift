/// Tells whether a text is in a grammar's language, reading it the way llama.cpp's grammar sampler does:
/// one Unicode scalar at a time over a set of pushdown stacks, each stack a path through the rules whose
/// top is the character class to match next. Groups and repetitions become rules as llama.cpp rewrites them
/// (`x*` is `r ::= x r |`), so right recursion does not grow a stack and long texts are cheap.
///
/// For tests and diagnostics: the gateway never runs it on model output.
public struct GrammarMatcher: Sendable {
    /// A position in a compiled rule: `alternatives[alternative][element]` of rule `rule`.
    struct Position: Hashable, Sendable {
        var rule: Int32
        var alternative: Int32
        var element: Int32
    }

    enum Element: Sendable {
        case characters(CharacterClass)
        case rule(Int32)
    }

    typealias Stack = [Position]

    private var compiled: [[[Element]]] = []
    private var names: [String: Int32] = [:]
    private let root: Int32

    /// Compiles a grammar; it must pass ``GrammarChecker`` (a left-recursive grammar would never finish).
    public init(_ grammar: Grammar) throws(ToolGrammarError) {
        try GrammarChecker.check(grammar)
        var names: [String: Int32] = [:]
        for (i, rule) in grammar.rules.enumerated() { names[rule.name] = Int32(i) }
        self.names = names
        root = names[Grammar.rootName] ?? 0
        compiled = Array(repeating: [], count: grammar.rules.count)
        for (i, rule) in grammar.rules.enumerated() {
            compiled[i] = alternatives(rule.expression)
        }
    }

    /// Whether the whole text is in the language.
    public func matches(_ text: String) -> Bool {
        guard let stacks = run(text) else { return false }
        return stacks.contains { $0.isEmpty }
    }

    /// Whether some continuation of the text is in the language (the text is a viable prefix).
    public func acceptsPrefix(_ text: String) -> Bool {
        run(text) != nil
    }

    /// The stacks after reading the text, or nil when some character was rejected.
    private func run(_ text: String) -> Set<Stack>? {
        var stacks = Set<Stack>()
        for (i, alternative) in compiled[Int(root)].enumerated() {
            let stack: Stack = alternative.isEmpty ? [] : [Position(rule: root, alternative: Int32(i), element: 0)]
            advance(stack, into: &stacks)
        }
        for scalar in text.unicodeScalars {
            var next = Set<Stack>()
            for stack in stacks {
                guard let top = stack.last, case .characters(let characterClass) = element(top),
                      characterClass.contains(scalar.value) else { continue }
                var rest = Array(stack.dropLast())
                let after = Position(rule: top.rule, alternative: top.alternative, element: top.element + 1)
                if !isEnd(after) { rest.append(after) }
                advance(rest, into: &next)
            }
            if next.isEmpty { return nil }
            stacks = next
        }
        return stacks
    }

    /// Expands rule references at the top until every stack has a character class on top (or is empty).
    private func advance(_ stack: Stack, into out: inout Set<Stack>) {
        guard let top = stack.last else {
            out.insert(stack)
            return
        }
        switch element(top) {
        case .characters:
            out.insert(stack)
        case .rule(let rule):
            var base = Array(stack.dropLast())
            let after = Position(rule: top.rule, alternative: top.alternative, element: top.element + 1)
            if !isEnd(after) { base.append(after) }
            for (i, alternative) in compiled[Int(rule)].enumerated() {
                var expanded = base
                if !alternative.isEmpty { expanded.append(Position(rule: rule, alternative: Int32(i), element: 0)) }
                advance(expanded, into: &out)
            }
        }
    }

    private func element(_ position: Position) -> Element {
        compiled[Int(position.rule)][Int(position.alternative)][Int(position.element)]
    }

    private func isEnd(_ position: Position) -> Bool {
        Int(position.element) >= compiled[Int(position.rule)][Int(position.alternative)].count
    }

    // MARK: Compiling

    private mutating func alternatives(_ expression: GrammarExpression) -> [[Element]] {
        if case .choice(let options) = expression { return options.map { elements($0) } }
        return [elements(expression)]
    }

    private mutating func elements(_ expression: GrammarExpression) -> [Element] {
        switch expression {
        case .literal(let text):
            return text.unicodeScalars.map { .characters(CharacterClass([$0.value...$0.value])) }
        case .characters(let characterClass):
            return [.characters(characterClass)]
        case .reference(let name):
            return [.rule(names[name] ?? 0)]
        case .sequence(let items):
            return items.flatMap { elements($0) }
        case .choice:
            return [.rule(synthesize(alternatives(expression)))]
        case .repetition(let item, let min, let max):
            let one = elements(item)
            var out: [Element] = []
            for _ in 0..<min { out += one }
            if let max {
                // x{0,n}: r1 ::= x |, rk ::= x r(k-1) |
                var previous: Int32?
                for _ in stride(from: 0, to: max - min, by: 1) {
                    let tail: [Element] = previous.map { one + [.rule($0)] } ?? one
                    previous = synthesize([tail, []])
                }
                if let previous { out.append(.rule(previous)) }
            } else {
                // x*: r ::= x r |
                let rule = Int32(compiled.count)
                compiled.append([])
                compiled[Int(rule)] = [one + [.rule(rule)], []]
                out.append(.rule(rule))
            }
            return out
        }
    }

    private mutating func synthesize(_ alternatives: [[Element]]) -> Int32 {
        compiled.append(alternatives)
        return Int32(compiled.count - 1)
    }
}
