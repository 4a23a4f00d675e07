import Foundation
import Testing
import ToolGrammar

/// The GBNF checker against a table of grammars, and the same table against llama.cpp's own loader.
@Suite("GBNF checking", .oneAtATime)
struct GrammarCheckerTests {
    /// What llama.cpp does with a grammar.
    enum LlamaVerdict: Sendable {
        case loads
        case rejects
        /// Dies on it: endless recursion when building its first stacks, or memory exhausted by a repetition
        /// whose maximum is below its minimum.
        case crashes
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var gbnf: String
        /// nil: valid; else a phrase of the checker's reason.
        var problem: String?
        var llama: LlamaVerdict
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "a literal", gbnf: #"root ::= "a""#, problem: nil, llama: .loads),
        Case(label: "right recursion", gbnf: "root ::= x\nx ::= \"a\" x | \"b\"", problem: nil, llama: .loads),
        Case(label: "groups, repetition, classes", gbnf: #"root ::= ("a" | [b-d])* "c"+ [^"\\]? "e"{2,3} "f"{2,}"#,
             problem: nil, llama: .loads),
        Case(label: "escapes and comments",
             gbnf: "# a comment\nroot ::= \"\\x41\\u00e9\\U0001F600\\t\\n\\\\\\\"\" [\\[\\]] # trailing\n",
             problem: nil, llama: .loads),
        Case(label: "newlines inside groups and after |", gbnf: "root ::= (\n  \"a\" |\n  \"b\"\n) |\n \"c\"",
             problem: nil, llama: .loads),
        Case(label: "a root that matches nothing", gbnf: #"root ::= ("a")?"#, problem: nil, llama: .loads),
        Case(label: "no root", gbnf: #"start ::= "a""#, problem: "no rule named 'root'", llama: .rejects),
        Case(label: "an undefined rule", gbnf: "root ::= foo", problem: "undefined rule 'foo'", llama: .rejects),
        Case(label: "direct left recursion", gbnf: "root ::= root \"a\" | \"b\"", problem: "left recursion",
             llama: .rejects),
        Case(label: "indirect left recursion", gbnf: "root ::= x\nx ::= y \"a\"\ny ::= root | \"b\"",
             problem: "left recursion", llama: .rejects),
        Case(label: "left recursion through a rule that can match nothing",
             gbnf: "root ::= x root \"a\" | \"b\"\nx ::= \"c\"?", problem: "left recursion", llama: .crashes),
        Case(label: "a repetition of something that can match nothing", gbnf: #"root ::= ("a"?)* "b""#,
             problem: "can match nothing", llama: .loads),
        Case(label: "an empty alternative", gbnf: "root ::= \"a\" | ", problem: "empty alternative", llama: .loads),
        Case(label: "an empty literal as an alternative", gbnf: "root ::= \"a\" | \"\"", problem: "empty alternative",
             llama: .loads),
        Case(label: "an empty class", gbnf: "root ::= \"a\" []", problem: "empty character class", llama: .loads),
        Case(label: "a rule defined twice", gbnf: "root ::= \"a\"\nroot ::= \"b\"", problem: "defined twice",
             llama: .loads),
        Case(label: "a rule that never finishes", gbnf: "root ::= x\nx ::= \"a\" x", problem: "can never finish",
             llama: .loads),
        Case(label: "a backwards range", gbnf: "root ::= [z-a]", problem: "runs backwards", llama: .loads),
        Case(label: "a repetition whose maximum is below its minimum", gbnf: #"root ::= "a"{3,1}"#,
             problem: "below its minimum", llama: .crashes),
        Case(label: "a NUL character", gbnf: #"root ::= "\x00""#, problem: "NUL", llama: .loads),
        Case(label: "an unknown escape", gbnf: #"root ::= "\q""#, problem: "unknown escape", llama: .rejects),
        Case(label: "an unterminated literal", gbnf: #"root ::= "abc"#, problem: "end of input", llama: .rejects),
        Case(label: "an unclosed group", gbnf: #"root ::= ("a""#, problem: "expecting ')'", llama: .rejects),
        Case(label: "a stray parenthesis", gbnf: #"root ::= "a" )"#, problem: "expecting newline", llama: .rejects),
        Case(label: "an underscore in a name", gbnf: #"root ::= a_b"# + "\na_b ::= \"x\"", problem: "expecting",
             llama: .rejects),
        Case(label: "a repetition with nothing before it", gbnf: "root ::= * \"a\"", problem: "expecting an item",
             llama: .rejects),
    ]

    @Test("the checker accepts valid grammars and names what is wrong with the others", arguments: cases)
    func checker(_ testCase: Case) {
        do {
            try GrammarChecker.check(gbnf: testCase.gbnf)
            #expect(testCase.problem == nil, "accepted, expected: \(testCase.problem ?? "")")
        } catch {
            guard let problem = testCase.problem else {
                Issue.record("rejected a valid grammar: \(error)")
                return
            }
            #expect(error.description.contains(problem), "\(error)")
        }
    }

    @Test("llama.cpp loads what the checker accepts and rejects what it cannot parse",
          .enabled(if: LlamaCpp.available, LlamaCpp.skipMessage))
    func llamaCppAgrees() throws {
        let sent = Self.cases.filter { $0.llama != .crashes }
        let results = try LlamaCpp.check(sent.map { LlamaCpp.Case(grammar: $0.gbnf + "\n") })
        for (testCase, result) in zip(sent, results) {
            #expect(result.loads == (testCase.llama == .loads), "\(testCase.label)")
            if testCase.problem == nil { #expect(result.loads, "\(testCase.label): valid but llama.cpp rejects it") }
        }
    }

    @Test("grammars llama.cpp loads but cannot run kill the process: the checker is what keeps them away",
          .enabled(if: LlamaCpp.available, LlamaCpp.skipMessage),
          arguments: cases.filter { $0.llama == .crashes })
    func llamaCppCrashes(_ testCase: Case) throws {
        #expect(throws: (any Error).self, "\(testCase.label): llama.cpp survived") {
            try LlamaCpp.check([LlamaCpp.Case(grammar: testCase.gbnf + "\n")])
        }
        #expect(throws: ToolGrammarError.self) { try GrammarChecker.check(gbnf: testCase.gbnf) }
    }

    @Test("errors point at the line and column of the problem")
    func position() {
        do {
            try GrammarChecker.check(gbnf: "root ::= \"a\"\nx ::= \"b\" \"\\q\"")
            Issue.record("accepted an unknown escape")
        } catch {
            #expect(error == .invalidGrammar(line: 2, column: 12, reason: "unknown escape '\\q'"))
        }
    }

    @Test("writing a parsed grammar and parsing it again gives the same grammar", arguments: cases.filter {
        $0.problem == nil
    })
    func roundTrip(_ testCase: Case) throws {
        let grammar = try GrammarChecker.check(gbnf: testCase.gbnf)
        let again = try GrammarChecker.check(gbnf: grammar.gbnf)
        let sampleTexts = ["", "a", "b", "c", "ac", "bcc", "Aé😀\t\n\\\"[", "abcee", "aee", "cee", "ccef", "ceeeff"]
        let first = try GrammarMatcher(grammar)
        let second = try GrammarMatcher(again)
        for text in sampleTexts {
            #expect(first.matches(text) == second.matches(text), "\(testCase.label): \(text.debugDescription)")
        }
    }
}
