import JSON
import Testing
@testable import ToolParsing

@Suite("Reasoning")
struct ReasoningTests {
    static let hermes = Repository.family("hermes")

    static func parse(_ text: String, start: ReasoningStart = .closed,
                      reasoning: ReasoningSetting = .family) -> ParsedMessage
    {
        var options = Drive.options(reasoningStart: start)
        options.reasoning = reasoning
        let message = hermes.parse(text, options: options)
        for chunking in Drive.standard {
            #expect(Drive.signature(Drive.message(hermes, text, chunking, options: options)) == Drive.signature(message),
                    "\(chunking)")
        }
        return message
    }

    @Test("a think block is reasoning, never content, and calls after it are parsed")
    func thinkBlock() {
        let message = Self.parse("<think>\nLet me check.\n</think>\n\n<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>")
        #expect(message.reasoningContent == "Let me check.")
        #expect(message.content == nil)
        #expect(message.toolCalls.map(\.name) == ["f"])
    }

    @Test("calls inside reasoning are not parsed, and an unterminated block stays reasoning")
    func callsInsideReasoning() {
        let message = Self.parse("<think>maybe <tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>")
        #expect(message.toolCalls.isEmpty)
        #expect(message.content == nil)
        #expect(message.reasoningContent == "maybe <tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call>")
        #expect(message.diagnostics.map(\.kind) == [.unterminatedReasoning])
    }

    @Test("a start marker after content or a call is text: models reason before they answer")
    func lateStartMarker() {
        let late = Self.parse("The tag <think> opens a block.")
        #expect(late.content == "The tag <think> opens a block.")
        #expect(late.reasoningContent == nil)
        #expect(late.diagnostics.isEmpty)
        let afterCall = Self.parse("<tool_call>{\"name\": \"f\", \"arguments\": {}}</tool_call><think>x</think>")
        #expect(afterCall.toolCalls.map(\.name) == ["f"])
        #expect(afterCall.content == "<think>x</think>")
        #expect(afterCall.reasoningContent == nil)
        let leading = Self.parse("  \n<think>a</think>b")
        #expect(leading.reasoningContent == "a" && leading.content == "b")
    }

    @Test("output that starts inside reasoning (the prompt opened it) is reasoning up to the end marker")
    func startsOpen() {
        let message = Self.parse("I'm\nthinking</think>Hello!", start: .open)
        #expect(message.reasoningContent == "I'm\nthinking")
        #expect(message.content == "Hello!")
        #expect(ReasoningStart.forPrompt("<|im_start|>assistant\n<think>\n", markers: .think) == .open)
        #expect(ReasoningStart.forPrompt("<|im_start|>assistant\n", markers: .think) == .closed)
    }

    @Test("detect: an end marker before any start marker means the output started inside reasoning")
    func detect() {
        #expect(Self.parse("I'm\nthinking</think>Hello!", start: .detect).reasoningContent == "I'm\nthinking")
        let plain = Self.parse("Just an answer.", start: .detect)
        #expect(plain.reasoningContent == nil && plain.content == "Just an answer.")
        let opened = Self.parse("<think>a</think>b", start: .detect)
        #expect(opened.reasoningContent == "a" && opened.content == "b")
    }

    @Test("with reasoning turned off, think tags are content; custom markers work")
    func settings() {
        #expect(Self.parse("<think>a</think>b", reasoning: .none).content == "<think>a</think>b")
        let custom = Self.parse("[THINK]a[/THINK]b", reasoning: .markers(ReasoningMarkers(start: "[THINK]", end: "[/THINK]")))
        #expect(custom.reasoningContent == "a" && custom.content == "b")
    }
}
