import JSON
import Testing
import ToolGrammar

/// JSON schema → grammar over the table in `Tests/Fixtures/grammar/schemas.json`: each schema with values that
/// are valid, invalid, and valid but outside the grammar on purpose (keys out of schema order, extra keys).
@Suite("JSON schema grammars", .oneAtATime)
struct SchemaGrammarTests {
    struct Entry: Sendable, CustomTestStringConvertible {
        var name: String
        var schema: JSONValue
        var valid: [JSONValue]
        var invalid: [JSONValue]
        var validButRejected: [JSONValue]
        var testDescription: String { name }
    }

    static let entries: [Entry] = {
        guard let table = try? Repository.fixture("schemas.json").arrayValue else { return [] }
        return table.map { entry in
            Entry(name: entry["name"]?.stringValue ?? "?", schema: entry["schema"] ?? .null,
                  valid: entry["valid"]?.arrayValue ?? [], invalid: entry["invalid"]?.arrayValue ?? [],
                  validButRejected: entry["validButRejected"]?.arrayValue ?? [])
        }
    }()

    /// The ways a model may space valid JSON: compact, `json.dumps`'s default, indented.
    static let formats = [JSONFormat.compact, JSONFormat(itemSeparator: ", ", keySeparator: ": "),
                          JSONFormat(itemSeparator: ",", keySeparator: ": ", indent: 2)]

    @Test("the table is there")
    func tableLoads() {
        #expect(Self.entries.count >= 30)
    }

    @Test("valid values match in every spacing, invalid ones do not, and the validator agrees", arguments: entries)
    func matches(_ entry: Entry) throws {
        let grammar = try JSONSchemaGrammar.grammar(for: entry.schema)
        try GrammarChecker.check(gbnf: grammar.gbnf)
        let matcher = try GrammarMatcher(grammar)
        let validator = SchemaValidator(root: entry.schema)
        for value in entry.valid {
            #expect(validator.isValid(value), "validator rejects \(value.serialized())")
            for format in Self.formats {
                let text = value.serialized(format)
                let matched = matcher.matches(text)
                #expect(matched, "\(entry.name): rejects \(text.debugDescription)")
            }
        }
        for value in entry.invalid {
            #expect(!validator.isValid(value), "validator accepts \(value.serialized())")
            let matched = matcher.matches(value.serialized())
            #expect(!matched, "\(entry.name): accepts \(value.serialized())")
        }
        for value in entry.validButRejected {
            #expect(validator.isValid(value), "validator rejects \(value.serialized())")
            let matched = matcher.matches(value.serialized())
            #expect(!matched, "\(entry.name): accepts \(value.serialized())")
        }
    }

    @Test("every text the grammar generates is JSON that the schema accepts", arguments: entries)
    func samplesValidate(_ entry: Entry) throws {
        let grammar = try JSONSchemaGrammar.grammar(for: entry.schema)
        let validator = SchemaValidator(root: entry.schema)
        var sampler = GrammarSampler(grammar, seed: 7)
        for _ in 0..<60 {
            let text = sampler.sample()
            guard let value = try? JSONParser().parse(text) else {
                Issue.record("\(entry.name): not JSON: \(text.debugDescription)")
                continue
            }
            #expect(validator.problem(value) == nil, "\(entry.name): \(text.debugDescription): \(validator.problem(value) ?? "")")
        }
    }

    @Test("whitespace between tokens is bounded: a newline and 20 spaces pass, 21 do not")
    func whitespaceIsBounded() throws {
        let matcher = try GrammarMatcher(JSONSchemaGrammar.grammar(for: ["type": "array", "items": ["type": "integer"]]))
        #expect(matcher.matches("[\n" + String(repeating: " ", count: 20) + "1]"))
        #expect(!matcher.matches("[\n" + String(repeating: " ", count: 21) + "1]"))
        #expect(!matcher.matches("[  1]"))
        #expect(!matcher.matches("[1" + String(repeating: " ", count: 2) + "]"))
    }

    @Test("numbers are bounded in digits")
    func digitsAreBounded() throws {
        let matcher = try GrammarMatcher(JSONSchemaGrammar.grammar(for: ["type": "integer"]))
        #expect(matcher.matches("1234567890123456"))
        #expect(!matcher.matches("12345678901234567"))
        #expect(!matcher.matches("01"))
    }

    @Test("schemas that cannot be met or followed are errors, not grammars", arguments: [
        JSONValue.bool(false),
        ["$ref": "#/$defs/Missing"],
        ["type": "object", "properties": ["a": ["$ref": "#/$defs/A"]], "required": ["a"],
         "$defs": ["A": ["type": "object", "properties": ["a": ["$ref": "#/$defs/A"]], "required": ["a"]]]],
        ["$ref": "#/$defs/Loop", "$defs": ["Loop": ["$ref": "#/$defs/Loop"]]],
    ])
    func unsatisfiable(_ schema: JSONValue) {
        #expect(throws: ToolGrammarError.self) { try JSONSchemaGrammar.gbnf(for: schema) }
    }

    @Test("llama.cpp loads every grammar and accepts exactly what the matcher accepts",
          .enabled(if: LlamaCpp.available, LlamaCpp.skipMessage))
    func llamaCppAgrees() throws {
        var cases: [LlamaCpp.Case] = []
        var expected: [[Bool]] = []
        for entry in Self.entries {
            let grammar = try JSONSchemaGrammar.grammar(for: entry.schema)
            let matcher = try GrammarMatcher(grammar)
            var texts: [String] = []
            for value in entry.valid { texts += [value.serialized(), value.serialized(Self.formats[2])] }
            texts += (entry.invalid + entry.validButRejected).map { $0.serialized() }
            var sampler = GrammarSampler(grammar, seed: 11)
            for _ in 0..<5 { texts.append(sampler.sample()) }
            cases.append(LlamaCpp.Case(grammar: grammar.gbnf, texts: texts))
            expected.append(texts.map(matcher.matches))
        }
        let results = try LlamaCpp.check(cases)
        for (i, result) in results.enumerated() {
            #expect(result.loads, "\(Self.entries[i].name): llama.cpp rejects the grammar")
            if LlamaCpp.vocabulary != nil, result.loads {
                #expect(result.accepts.count == cases[i].texts.count)
                for (j, accepted) in result.accepts.enumerated() where accepted != expected[i][j] {
                    Issue.record("\(Self.entries[i].name): llama.cpp says \(accepted) for \(cases[i].texts[j].debugDescription)")
                }
            }
        }
    }
}
