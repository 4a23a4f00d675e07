import JSON
import Testing
import ToolGrammar
import ToolParsing

/// The call grammar of every family in `parsers/`: whatever it allows after the family's prefill, the family's
/// own parser reads as calls to offered tools with arguments valid under their schemas.
@Suite("Call grammars per family", .oneAtATime)
struct CallGrammarTests {
    static let tools: [JSONValue] = (try? Repository.fixture("tools.json").arrayValue) ?? []
    static let offered = OfferedTool.list(tools)

    /// Every family, in each forcing mode.
    struct Mode: Sendable, CustomTestStringConvertible {
        var family: String
        var call: ForcedCall
        var parallel: Bool
        var testDescription: String {
            switch call {
            case .anyTool: return "\(family) required\(parallel ? " parallel" : "")"
            case .named(let name): return "\(family) \(name)"
            }
        }
    }

    static let modes: [Mode] = Repository.familyNames.flatMap { family in
        [Mode(family: family, call: .anyTool, parallel: false), Mode(family: family, call: .anyTool, parallel: true)]
            + offered.map { Mode(family: family, call: .named($0.name), parallel: false) }
    }

    static func constraint(_ mode: Mode) throws -> (Family, ToolCallConstraint, Grammar) {
        let family = try Repository.family(mode.family)
        let constraint = try ToolCallConstraintBuilder(family: family, tools: tools).gbnf(mode.call, parallel: mode.parallel)
        guard case .gbnf(let text) = constraint.form else { throw Unexpected("not GBNF") }
        return (family, constraint, try GrammarChecker.check(gbnf: text))
    }

    /// Parses prefill + output and checks every call against the offered tools; returns the calls.
    @discardableResult
    static func expectCalls(_ family: Family, prefill: String, output: String, mode: Mode,
                            sourceLocation: SourceLocation = #_sourceLocation) -> [ParsedToolCall]
    {
        let parsed = family.parse(output, options: ParserOptions(tools: ToolSchemas(tools: .array(tools)),
                                                                 prefill: prefill))
        let context = "\(mode.testDescription): \((prefill + output).debugDescription)"
        #expect(parsed.diagnostics.isEmpty, "\(context): \(parsed.diagnostics)", sourceLocation: sourceLocation)
        #expect(parsed.content == nil, "\(context): content \(parsed.content ?? "")", sourceLocation: sourceLocation)
        #expect(!parsed.toolCalls.isEmpty, "\(context): no call", sourceLocation: sourceLocation)
        if !mode.parallel { #expect(parsed.toolCalls.count <= 1, "\(context)", sourceLocation: sourceLocation) }
        for call in parsed.toolCalls {
            if case .named(let name) = mode.call { #expect(call.name == name, "\(context)", sourceLocation: sourceLocation) }
            guard let tool = offered.first(where: { $0.name == call.name }) else {
                Issue.record("\(context): '\(call.name)' was not offered", sourceLocation: sourceLocation)
                continue
            }
            guard let arguments = try? JSONParser().parse(call.arguments) else {
                Issue.record("\(context): arguments are not JSON: \(call.arguments)", sourceLocation: sourceLocation)
                continue
            }
            let problem = SchemaValidator(root: tool.parameters).problem(arguments)
            #expect(problem == nil, "\(context): \(call.arguments): \(problem ?? "")", sourceLocation: sourceLocation)
        }
        return parsed.toolCalls
    }

    @Test("every family gets a checked grammar for required, parallel and named calls", arguments: modes)
    func builds(_ mode: Mode) throws {
        let (family, constraint, _) = try Self.constraint(mode)
        #expect(constraint.prefill == family.prefill(functionName: mode.call.name))
    }

    @Test("random texts the grammar allows parse, after the prefill, as valid calls to offered tools",
          arguments: modes)
    func samplesParse(_ mode: Mode) throws {
        let (family, constraint, grammar) = try Self.constraint(mode)
        var sampler = GrammarSampler(grammar, seed: 42)
        var counts = Set<Int>()
        for _ in 0..<40 {
            let output = sampler.sample()
            counts.insert(Self.expectCalls(family, prefill: constraint.prefill, output: output, mode: mode).count)
        }
        if mode.parallel { #expect(counts.contains { $0 > 1 }, "no sample had parallel calls: \(counts)") }
    }

    @Test("the family's own rendering of a call is allowed by its grammar", arguments: modes.filter { !$0.parallel })
    func renderedCallsMatch(_ mode: Mode) throws {
        let (family, constraint, grammar) = try Self.constraint(mode)
        let matcher = try GrammarMatcher(grammar)
        let examples: [(String, JSONValue)] = [
            ("get_weather", ["city": "Paris", "unit": "celsius", "days": 3]),
            ("search", ["query": "swift", "filters": ["lang": "en"], "tags": ["a", "b"], "limit": 2.5]),
            ("set_flag", ["enabled": true, "note": .null]),
            ("ping", [:]),
            ("annotate", ["labels": [["name": "x", "score": 0.5]], "mode": "fast"]),
        ]
        for (name, arguments) in examples {
            if case .named(let forced) = mode.call, forced != name { continue }
            let rendered = family.render(calls: [(name: name, arguments: arguments.serialized())])
            guard rendered.hasPrefix(constraint.prefill) else {
                Issue.record("\(mode.testDescription): the rendering does not start with the prefill: \(rendered)")
                continue
            }
            let continuation = String(rendered.dropFirst(constraint.prefill.count))
            let matched = matcher.matches(continuation)
            #expect(matched, "\(mode.testDescription): \(continuation.debugDescription)")
        }
    }
}

struct Unexpected: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension ForcedCall {
    var name: String? {
        if case .named(let name) = self { return name }
        return nil
    }
}
