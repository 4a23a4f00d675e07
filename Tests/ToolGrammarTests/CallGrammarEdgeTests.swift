import JSON
import Testing
import ToolGrammar
import ToolParsing

/// What cannot be constrained is an error (the gateway then sends no constraint), never a wrong grammar; and
/// llama.cpp takes every grammar made for the built-in families.
@Suite("Call grammar limits", .oneAtATime)
struct CallGrammarEdgeTests {
    static let tools = CallGrammarTests.tools

    @Test("a named function that was not offered, or no tools at all, is an error")
    func unknownTool() throws {
        let builder = ToolCallConstraintBuilder(family: try Repository.family("hermes"), tools: Self.tools)
        #expect(throws: ToolGrammarError.unknownTool(name: "nope")) { try builder.gbnf(.named("nope"), parallel: false) }
        let empty = ToolCallConstraintBuilder(family: try Repository.family("hermes"), tools: [])
        #expect(throws: ToolGrammarError.self) { try empty.gbnf(.anyTool, parallel: false) }
    }

    @Test("a required argument that cannot be a Python keyword argument stops the pythonic grammar")
    func pythonicNames() throws {
        let tool: JSONValue = ["type": "function", "function": [
            "name": "f", "parameters": ["type": "object", "properties": ["first-name": ["type": "string"]],
                                        "required": ["first-name"]],
        ]]
        let builder = ToolCallConstraintBuilder(family: try Repository.family("pythonic"), tools: [tool])
        #expect(throws: ToolGrammarError.self) { try builder.gbnf(.anyTool, parallel: false) }
        // Optional ones are left out instead.
        let optional: JSONValue = ["type": "function", "function": [
            "name": "f", "parameters": ["type": "object", "properties": ["first-name": ["type": "string"],
                                                                         "age": ["type": "integer"]]],
        ]]
        let constraint = try ToolCallConstraintBuilder(family: try Repository.family("pythonic"), tools: [optional])
            .gbnf(.anyTool, parallel: false)
        guard case .gbnf(let text) = constraint.form else { throw Unexpected("not GBNF") }
        let matcher = try GrammarMatcher(try GrammarChecker.check(gbnf: text))
        #expect(matcher.matches("f(age=3)]"))
        #expect(!matcher.matches("f(first-name='x')]"))
    }

    @Test("a plugin family whose render template its own pattern cannot read fails the self-check")
    func selfCheck() throws {
        let family = try Family(definitionText: """
            {"name": "broken", "start": "<fn ", "end": "</fn>",
             "pattern": "<fn name=\\"(?<name>[^\\"]+)\\">(?<arguments>.*?)</fn>",
             "render": "<fn {name}>{arguments}</fn>", "prefill": {"any": "<fn ", "named": "<fn {name}>"}}
            """, source: "broken.json")
        let builder = ToolCallConstraintBuilder(family: family, tools: Self.tools)
        #expect {
            try builder.gbnf(.anyTool, parallel: false)
        } throws: { error in
            guard case .selfCheckFailed(let family, _, _) = error as? ToolGrammarError else { return false }
            return family == "broken"
        }
    }

    @Test("a plugin family whose prefill is not how its render template starts gets no grammar")
    func prefillMismatch() throws {
        let family = try Family(definitionText: """
            {"name": "odd", "start": "<fn ", "end": "</fn>",
             "pattern": "<fn name=\\"(?<name>[^\\"]+)\\">(?<arguments>.*?)</fn>",
             "render": "<fn name=\\"{name}\\">{arguments}</fn>", "prefill": {"any": "<call ", "named": "<fn x"}}
            """, source: "odd.json")
        let builder = ToolCallConstraintBuilder(family: family, tools: Self.tools)
        #expect(throws: ToolGrammarError.self) { try builder.gbnf(.anyTool, parallel: false) }
    }

    @Test("a plugin family in the README's minimum schema gets a working grammar")
    func minimumPlugin() throws {
        let family = try Family(definitionText: """
            {"name": "myformat", "start": "<fn ", "end": "</fn>",
             "pattern": "<fn name=\\"(?<name>[^\\"]+)\\">(?<arguments>.*?)</fn>",
             "render": "<fn name=\\"{name}\\">{arguments}</fn>"}
            """, source: "myformat.json")
        let constraint = try ToolCallConstraintBuilder(family: family, tools: Self.tools).gbnf(.anyTool, parallel: true)
        #expect(constraint.prefill == "<fn ")
        guard case .gbnf(let text) = constraint.form else { throw Unexpected("not GBNF") }
        let grammar = try GrammarChecker.check(gbnf: text)
        var sampler = GrammarSampler(grammar, seed: 5)
        let mode = CallGrammarTests.Mode(family: "myformat", call: .anyTool, parallel: true)
        for _ in 0..<30 {
            CallGrammarTests.expectCalls(family, prefill: constraint.prefill, output: sampler.sample(), mode: mode)
        }
        // Its end marker is searched for, so strings may not hold it.
        #expect(family.layout.bodyDelimiters == ["</fn>", "<fn "])
    }

    @Test("llama.cpp loads the grammar of every family and mode, and accepts what it allows",
          .enabled(if: LlamaCpp.available, LlamaCpp.skipMessage))
    func llamaCppLoadsEveryCallGrammar() throws {
        var cases: [LlamaCpp.Case] = []
        var labels: [String] = []
        for mode in CallGrammarTests.modes {
            let (_, _, grammar) = try CallGrammarTests.constraint(mode)
            var sampler = GrammarSampler(grammar, seed: 9)
            cases.append(LlamaCpp.Case(grammar: grammar.gbnf, texts: (0..<4).map { _ in sampler.sample() }))
            labels.append(mode.testDescription)
        }
        let results = try LlamaCpp.check(cases)
        for (i, result) in results.enumerated() {
            #expect(result.loads, "\(labels[i]): llama.cpp rejects the grammar")
            for (j, accepted) in result.accepts.enumerated() where !accepted {
                Issue.record("\(labels[i]): llama.cpp refuses \(cases[i].texts[j].debugDescription)")
            }
        }
    }
}
