import JSON

/// Strings, numbers, literals, whitespace and "any value": the shared rules, each defined once per grammar.
extension SchemaConverter {
    /// Whitespace between tokens: nothing, one space, or a newline and up to `maximumIndent` spaces or tabs.
    mutating func whitespace() -> GrammarExpression {
        let indent = options.maximumIndent
        return builder.shared("ws") { builder in
            let tail = builder.repeated(.characters(CharacterClass(characters: " \t")), min: 0, max: indent,
                                        name: "ws-indent")
            return .optional(.choiceOf([.literal(" "), .sequenceOf([.literal("\n"), tail])]))
        }
    }

    mutating func boolean() -> GrammarExpression {
        switch syntax {
        case .json: return builder.shared("boolean") { _ in .choiceOf([.literal("true"), .literal("false")]) }
        case .python: return builder.shared("py-boolean") { _ in .choiceOf([.literal("True"), .literal("False")]) }
        }
    }

    mutating func null() -> GrammarExpression {
        .literal(syntax == .json ? "null" : "None")
    }

    /// `-?(0|[1-9][0-9]{0,15})`: sixteen digits at most, so a model cannot write digits forever. `minimum`
    /// ≥ 0 drops the sign, ≥ 1 the zero too; a range of at most ``Options/maximumRange`` values with both
    /// bounds is the list of its values.
    mutating func integer(_ schema: JSONObject = [:]) -> GrammarExpression {
        let bounds = Self.integerBounds(schema)
        if let low = bounds.low, let high = bounds.high, low <= high, high - low < options.maximumRange {
            return builder.shared("integer-from-\(Self.ruleNumber(low))-to-\(Self.ruleNumber(high))") { _ in
                .choiceOf((low...high).map { .literal(String($0)) })
            }
        }
        let digits = builder.shared("integer-digits") { builder in
            .sequenceOf([.characters(CharacterClass([0x31...0x39])),
                         builder.repeated(Self.digit, min: 0, max: 15, name: "integer-digits-more")])
        }
        if let minimum = bounds.low, minimum >= 1 { return builder.shared("integer-positive") { _ in digits } }
        if let minimum = bounds.low, minimum >= 0 {
            return builder.shared("integer-natural") { _ in .choiceOf([.literal("0"), digits]) }
        }
        return builder.shared("integer") { _ in
            .sequenceOf([.optional(.literal("-")), .choiceOf([.literal("0"), digits])])
        }
    }

    /// A JSON number: an integer, optional fraction (16 digits at most), optional exponent (3 digits).
    /// `minimum` ≥ 0 drops the sign; integral bounds on both sides at most ``Options/maximumRange`` apart
    /// give the numbers between them without exponent (`0.25`, `1`, `1.0`, not `2.5e-1`).
    mutating func number(_ schema: JSONObject = [:]) -> GrammarExpression {
        let bounds = Self.numberBounds(schema)
        if let low = bounds.low, let high = bounds.high, low <= high, high - low < options.maximumRange {
            return boundedNumber(low: low, high: high)
        }
        let natural = (bounds.low ?? -1) >= 0
        let integer = natural ? integer(["minimum": 0]) : integer()
        return builder.shared(natural ? "number-natural" : "number") { builder in
            let fraction = Self.fraction(&builder)
            let exponent = GrammarExpression.sequenceOf([.characters(CharacterClass(characters: "eE")),
                                                         .optional(.characters(CharacterClass(characters: "+-"))),
                                                         builder.repeated(Self.digit, min: 1, max: 3,
                                                                          name: "number-exponent")])
            return .sequenceOf([integer, .optional(fraction), .optional(exponent)])
        }
    }

    /// Numbers in `[low, high]` (integers): an integer part `i` with any fraction where `[i, i + 1)` (or
    /// `(-(i + 1), -i]`) lies inside, and each bound itself with an all-zero fraction.
    private mutating func boundedNumber(low: Int, high: Int) -> GrammarExpression {
        builder.shared("number-from-\(Self.ruleNumber(low))-to-\(Self.ruleNumber(high))") { builder in
            let fraction = Self.fraction(&builder)
            let zeros = GrammarExpression.optional(.sequenceOf([
                .literal("."), builder.repeated(.literal("0"), min: 1, max: 16, name: "number-zeros")]))
            var alternatives: [GrammarExpression] = []
            if high >= 0 {
                for part in max(low, 0)..<max(high, max(low, 0)) {
                    alternatives.append(.sequenceOf([.literal(String(part)), .optional(fraction)]))
                }
                if high >= max(low, 0) { alternatives.append(.sequenceOf([.literal(String(high)), zeros])) }
            }
            if low < 0 {
                // "-j.f" is -(j + 0.f), in (-(j + 1), -j].
                for part in max(0, -high)..<(-low) {
                    alternatives.append(.sequenceOf([.literal("-" + String(part)), .optional(fraction)]))
                }
                alternatives.append(.sequenceOf([.literal(String(low)), zeros]))
            }
            return .choiceOf(alternatives)
        }
    }

    private static func fraction(_ builder: inout GrammarBuilder) -> GrammarExpression {
        .sequenceOf([.literal("."), builder.repeated(Self.digit, min: 1, max: 16, name: "number-fraction")])
    }

    /// The integers an integer schema's bounds allow at least and at most (nil: unbounded or unreadable).
    static func integerBounds(_ schema: JSONObject) -> (low: Int?, high: Int?) {
        let low = schema["minimum"]?.numberValue.flatMap { integral($0.doubleValue.rounded(.up)) }
            ?? schema["exclusiveMinimum"]?.numberValue.flatMap { integral($0.doubleValue.rounded(.down) + 1) }
        let high = schema["maximum"]?.numberValue.flatMap { integral($0.doubleValue.rounded(.down)) }
            ?? schema["exclusiveMaximum"]?.numberValue.flatMap { integral($0.doubleValue.rounded(.up) - 1) }
        return (low, high)
    }

    /// A number schema's inclusive bounds when they are integers (exclusive or fractional bounds: nil, so
    /// the grammar stays looser than the schema).
    static func numberBounds(_ schema: JSONObject) -> (low: Int?, high: Int?) {
        let exact = { (key: String) -> Int? in
            guard let value = schema[key]?.numberValue?.doubleValue, value == value.rounded() else { return nil }
            return integral(value)
        }
        var low = exact("minimum")
        // A fractional or exclusive lower bound ≥ 0 still rules out the sign (looser than the bound, never stricter).
        if low == nil, let bound = (schema["minimum"] ?? schema["exclusiveMinimum"])?.numberValue?.doubleValue,
           bound >= 0
        {
            low = 0
        }
        return (low, schema["exclusiveMaximum"] == nil ? exact("maximum") : nil)
    }

    private static func integral(_ value: Double) -> Int? {
        guard value.isFinite, abs(value) < 1e15 else { return nil }
        return Int(value)
    }

    private static func ruleNumber(_ value: Int) -> String {
        value < 0 ? "m\(-value)" : "\(value)"
    }

    static let digit = GrammarExpression.characters(CharacterClass([0x30...0x39]))
    static let hexDigit = GrammarExpression.characters(CharacterClass([0x30...0x39, 0x41...0x46, 0x61...0x66]))

    /// A string: JSON `"…"` with JSON escapes, or a Python `'…'` / `"…"` literal with Python escapes. Its
    /// characters avoid the delimiters; without delimiters `minLength`/`maxLength` hold (counted in characters,
    /// an escape counting as one).
    mutating func string(_ schema: JSONObject = [:]) throws(ToolGrammarError) -> GrammarExpression {
        let minimum = schema["minLength"]?.numberValue?.intValue ?? 0
        let maximum = schema["maxLength"]?.numberValue?.intValue
        let bounded = automaton.isEmpty && (minimum > 0 || maximum != nil)
        switch syntax {
        case .json:
            if let pattern = schema["pattern"]?.stringValue, let written = patternString(pattern) { return written }
            let escape = jsonEscape()
            let plain = CharacterClass([0x22...0x22, 0x5C...0x5C, 0x01...0x1F], negated: true)
            if bounded {
                let character = builder.shared("string-char") { _ in .choiceOf([.characters(plain), escape]) }
                return quoted("\"", try boundedCharacters(character, minimum: minimum, maximum: maximum))
            }
            return try builder.sharedThrowing(automaton.isEmpty ? "string" : "string-delimited") {
                (builder) throws(ToolGrammarError) in
                let body = try Self.text(&builder, name: "string-body", plain: plain, escape: escape,
                                         escapeCharacters: Self.jsonEscapeCharacters, automaton: automaton)
                return .sequenceOf([.literal("\""), body, .literal("\"")])
            }
        case .python:
            let escape = builder.shared("py-escape") { _ in
                .sequenceOf([.literal("\\"), .choiceOf([.characters(CharacterClass(characters: "\"'\\nrt")),
                                                        .sequenceOf([.literal("u")] + Array(repeating: Self.hexDigit,
                                                                                            count: 4))])])
            }
            var alternatives: [GrammarExpression] = []
            for (quote, name) in [("'", "py-single"), ("\"", "py-double")] {
                let plain = CharacterClass(characters: quote + "\\\n\r", negated: true)
                if bounded {
                    let character = builder.shared("\(name)-char") { _ in .choiceOf([.characters(plain), escape]) }
                    alternatives.append(quoted(quote, try boundedCharacters(character, minimum: minimum,
                                                                            maximum: maximum)))
                } else {
                    alternatives.append(try builder.sharedThrowing(name + (automaton.isEmpty ? "" : "-delimited")) {
                        (builder) throws(ToolGrammarError) in
                        let body = try Self.text(&builder, name: "\(name)-body", plain: plain, escape: escape,
                                                 escapeCharacters: Self.pythonEscapeCharacters, automaton: automaton)
                        return .sequenceOf([.literal(quote), body, .literal(quote)])
                    })
                }
            }
            return .choiceOf(alternatives)
        }
    }

    private func quoted(_ quote: String, _ body: GrammarExpression) -> GrammarExpression {
        .sequenceOf([.literal(quote), body, .literal(quote)])
    }

    private mutating func boundedCharacters(_ character: GrammarExpression, minimum: Int,
                                            maximum: Int?) throws(ToolGrammarError) -> GrammarExpression
    {
        let low = min(max(0, minimum), options.maximumCount)
        var high = maximum.map { max($0, low) }
        if let bound = high, bound > options.maximumCount { high = nil }
        return builder.repeated(character, min: low, max: high, name: "string-length")
    }

    static let jsonEscapeCharacters = Set("\\\"/bfnrtu0123456789abcdefABCDEF".unicodeScalars.map(\.value))
    static let pythonEscapeCharacters = Set("\\\"'nrtu0123456789abcdefABCDEF".unicodeScalars.map(\.value))

    /// The characters of a string body: `plain` characters and escapes, avoiding the delimiters.
    static func text(_ builder: inout GrammarBuilder, name: String, plain: CharacterClass, escape: GrammarExpression,
                     escapeCharacters: Set<UInt32>,
                     automaton: DelimiterAutomaton) throws(ToolGrammarError) -> GrammarExpression
    {
        guard automaton.isEmpty || DelimitedTextPolicy.escapesAreSafe(automaton, escapeCharacters: escapeCharacters)
        else {
            throw .unsupportedSchema(path: "", reason: "a delimiter of the family's format could hide in an escape")
        }
        return builder.delimitedText(name: name, allowed: plain, escape: escape, automaton: automaton, trailing: nil)
    }

    /// The text of a constant (objects and arrays with the usual whitespace allowed between tokens), or nil
    /// when it cannot be written here (it holds a delimiter).
    mutating func literal(for value: JSONValue, path: String) throws(ToolGrammarError) -> GrammarExpression? {
        switch value {
        case .array(let elements):
            let ws = whitespace()
            var parts: [GrammarExpression] = [.literal("["), ws]
            for (i, element) in elements.enumerated() {
                if i > 0 { parts += [ws, .literal(","), ws] }
                guard let item = try literal(for: element, path: path) else { return nil }
                parts.append(item)
            }
            if !elements.isEmpty { parts.append(ws) }
            return .sequenceOf(parts + [.literal("]")])
        case .object(let object):
            let ws = whitespace()
            var parts: [GrammarExpression] = [.literal("{"), ws]
            for (i, entry) in object.enumerated() {
                if i > 0 { parts += [ws, .literal(","), ws] }
                guard let key = try literal(for: .string(entry.key), path: path),
                      let item = try literal(for: entry.value, path: path) else { return nil }
                parts += [key, ws, .literal(":"), ws, item]
            }
            if !object.isEmpty { parts.append(ws) }
            return .sequenceOf(parts + [.literal("}")])
        default:
            break
        }
        let text: String
        switch syntax {
        case .json: text = value.serialized()
        case .python: text = PythonText.repr(value)
        }
        if !automaton.isEmpty, automaton.run(text.unicodeScalars.map(\.value)) == nil { return nil }
        if syntax == .python, case .string(let s) = value, let alternate = PythonText.doubleQuoted(s),
           alternate != text
        {
            return .choiceOf([.literal(text), .literal(alternate)])
        }
        return .literal(text)
    }

    /// Any JSON (or Python literal) value.
    mutating func anyValue() -> GrammarExpression {
        let prefix = syntax == .json ? "" : "py-"
        if builder.has("\(prefix)value") { return .reference("\(prefix)value") }
        let name = builder.reserve("\(prefix)value")
        let ws = whitespace()
        let string = (try? self.string()) ?? .literal("\"\"")
        let member = GrammarExpression.sequenceOf([string, ws, .literal(":"), ws, .reference(name)])
        let object = builder.rule("\(prefix)object", .sequenceOf([
            .literal("{"), ws,
            .optional(.sequenceOf([member, .zeroOrMore(.sequenceOf([ws, .literal(","), ws, member])), ws])),
            .literal("}"),
        ]))
        let element = GrammarExpression.reference(name)
        let array = builder.rule("\(prefix)array", .sequenceOf([
            .literal("["), ws,
            .optional(.sequenceOf([element, .zeroOrMore(.sequenceOf([ws, .literal(","), ws, element])), ws])),
            .literal("]"),
        ]))
        builder.define(name, .choiceOf([object, array, string, number(), boolean(), null()]))
        return .reference(name)
    }
}

extension GrammarBuilder {
    /// ``shared(_:_:)`` for a maker that can throw.
    mutating func sharedThrowing(_ name: String, _ make: (inout GrammarBuilder) throws(ToolGrammarError)
        -> GrammarExpression) throws(ToolGrammarError) -> GrammarExpression
    {
        if !has(name) {
            let reserved = reserve(name)
            define(reserved, try make(&self))
        }
        return .reference(name)
    }
}
