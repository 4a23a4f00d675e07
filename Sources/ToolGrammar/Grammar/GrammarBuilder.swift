/// Collects rules while a grammar is generated: unique GBNF names, one rule per distinct expression (two tools
/// with the same `city: string` parameter share it), and the shared building blocks (whitespace, strings,
/// numbers) defined once, on first use.
public struct GrammarBuilder: Sendable {
    /// A repetition whose optional part is longer than this becomes a chain of rules instead of nested
    /// groups (GBNF readers parse groups recursively).
    static let inlineRepetitionLimit = 8

    private(set) var rules: [Grammar.Rule] = []
    private var indexByName: [String: Int] = [:]
    private var nameByExpression: [GrammarExpression: String] = [:]

    public init() {}

    /// The grammar built so far; `root` must have been defined.
    public var grammar: Grammar { Grammar(rules: rules) }

    /// Whether a rule of this exact name exists.
    public func has(_ name: String) -> Bool { indexByName[name] != nil }

    /// Reserves a unique rule name made from `base` (sanitized to letters, digits and `-`); define it later
    /// with ``define(_:_:)``. Reserving first lets a rule refer to itself (recursive schemas).
    public mutating func reserve(_ base: String) -> String {
        let stem = Self.sanitized(base)
        var name = stem
        var n = 2
        while indexByName[name] != nil {
            name = "\(stem)-\(n)"
            n += 1
        }
        indexByName[name] = rules.count
        rules.append(Grammar.Rule(name: name, expression: .literal("")))
        return name
    }

    /// Sets the expression of a reserved rule.
    public mutating func define(_ name: String, _ expression: GrammarExpression) {
        guard let index = indexByName[name] else { return }
        rules[index].expression = expression
        if nameByExpression[expression] == nil { nameByExpression[expression] = name }
    }

    /// A reference to a rule with this expression: an existing rule with the same expression, or a new one
    /// named after `base`.
    public mutating func rule(_ base: String, _ expression: GrammarExpression) -> GrammarExpression {
        if case .reference = expression { return expression }
        if let name = nameByExpression[expression] { return .reference(name) }
        let name = reserve(base)
        define(name, expression)
        return .reference(name)
    }

    /// A reference to the rule named exactly `name`, defining it with `make()` the first time.
    public mutating func shared(_ name: String, _ make: (inout GrammarBuilder) -> GrammarExpression)
        -> GrammarExpression
    {
        if indexByName[name] == nil {
            let reserved = reserve(name)
            let expression = make(&self)
            define(reserved, expression)
        }
        return .reference(name)
    }

    /// `item` repeated `min` to `max` times (`max` nil: unbounded). Short optional runs stay inline; long
    /// ones become a chain of rules `name-k ::= (item name-(k+1))?`.
    public mutating func repeated(_ item: GrammarExpression, min: Int, max: Int?, name: String) -> GrammarExpression {
        var parts: [GrammarExpression] = Array(repeating: item, count: min)
        guard let max else {
            parts.append(.zeroOrMore(item))
            return .sequenceOf(parts)
        }
        let optional = max - min
        if optional <= 0 { return .sequenceOf(parts) }
        if optional <= Self.inlineRepetitionLimit {
            parts.append(.repetition(item, min: 0, max: optional))
            return .sequenceOf(parts)
        }
        // Built from the end: the last link is `(item)?`.
        var next: GrammarExpression?
        for k in stride(from: optional, through: 1, by: -1) {
            let body: GrammarExpression = .optional(next.map { .sequenceOf([item, $0]) } ?? item)
            let link = reserve("\(name)-\(k)")
            define(link, body)
            next = .reference(link)
        }
        if let next { parts.append(next) }
        return .sequenceOf(parts)
    }

    static func sanitized(_ base: String) -> String {
        var out = ""
        var lastWasDash = true
        for scalar in base.unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                out.unicodeScalars.append(scalar)
                lastWasDash = false
            } else if !lastWasDash {
                out += "-"
                lastWasDash = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        return out.isEmpty ? "r" : out
    }
}
