import JSON
import Testing
@testable import ToolParsing

/// What the gateway needs from a family and the parser: prefill for forced calls, stop strings and the
/// first-call signal for `parallel_tool_calls: false`, rendering back, ids, tools.
@Suite("Gateway hooks")
struct GatewayHooksTests {
    static let call = (name: "get_weather", arguments: #"{"city": "Paris", "days": 3}"#)
    static let tools: JSONValue = [["type": "function", "function": [
        "name": "get_weather",
        "parameters": ["type": "object", "properties": ["city": ["type": "string"], "days": ["type": "integer"]]],
    ]]]

    @Test("a named prefill plus the model's continuation parses to the call, and the prefill is never content",
          arguments: Repository.familyNames)
    func namedPrefill(familyName: String) throws {
        let family = Repository.family(familyName)
        let prefill = try #require(family.prefill(functionName: Self.call.name))
        let text = family.render(calls: [Self.call])
        try #require(text.hasPrefix(prefill), "render and prefill disagree: \(text.debugDescription) vs \(prefill.debugDescription)")
        let continuation = String(text.dropFirst(prefill.count))
        let options = Drive.options(tools: Self.tools, prefill: prefill)
        let message = family.parse(continuation, options: options)
        #expect(message.toolCalls.map(\.name) == [Self.call.name])
        #expect((try? JSONParser().parse(message.toolCalls.first?.arguments ?? "")) == (try? JSONParser().parse(Self.call.arguments)))
        #expect(message.content == nil)
        // Ranges count the prefill as part of the output: the raw text they point at is the call again.
        let range = try #require(message.toolCalls.first?.rawRange)
        let raw = String(decoding: Array(text.utf8)[range], as: UTF8.self)
        #expect(family.parse(raw, options: Drive.options(tools: Self.tools)).toolCalls.map(\.name) == [Self.call.name])
        for chunking in Drive.standard {
            #expect(Drive.signature(Drive.message(family, continuation, chunking, options: options))
                == Drive.signature(message), "\(chunking)")
        }
    }

    @Test("with calls off (tool_choice: none) a call's text is content, and reasoning is still split off",
          arguments: Repository.familyNames)
    func callsOff(familyName: String) throws {
        let family = Repository.family(familyName)
        let call = family.render(calls: [Self.call])
        var options = Drive.options(tools: Self.tools)
        options.parseCalls = false
        let text = "Before. " + call
        let message = family.parse(text, options: options)
        #expect(message.toolCalls.isEmpty)
        #expect(message.content == text)
        for chunking in Drive.standard {
            #expect(Drive.signature(Drive.message(family, text, chunking, options: options)) == Drive.signature(message))
        }
        if let markers = family.reasoning {
            let thinking = family.parse(markers.start + "hmm" + markers.end + call, options: options)
            #expect(thinking.reasoningContent == "hmm")
            #expect(thinking.content == call)
        }
    }

    @Test("stop strings are strict end markers only: a code fence must not stop ordinary text")
    func stopStringsAreStrict() {
        let hermes = Repository.family("hermes")
        #expect(hermes.stopStrings.contains("</tool_call>"))
        #expect(!hermes.stopStrings.contains("```"))
        #expect(hermes.markerTokens.contains("<tool_call>"))
        #expect(hermes.markerTokens.contains("</tool_call>"))
        #expect(!hermes.markerTokens.contains("```"))
        #expect(Repository.family("mistral").markerTokens.contains("[TOOL_CALLS]"))
    }

    @Test("an unnamed prefill (tool_choice: required) works the same way", arguments: Repository.familyNames)
    func anyPrefill(familyName: String) throws {
        let family = Repository.family(familyName)
        let prefill = try #require(family.prefill(functionName: nil))
        let text = family.render(calls: [Self.call])
        try #require(text.hasPrefix(prefill))
        let message = family.parse(String(text.dropFirst(prefill.count)), options: Drive.options(prefill: prefill))
        #expect(message.toolCalls.map(\.name) == [Self.call.name])
        #expect(message.content == nil)
    }

    @Test("a prefilled call the model breaks gives back only the model's text, not the prefill")
    func brokenPrefilledCall() {
        let family = Repository.family("hermes")
        let message = family.parse("oops, never mind", options: Drive.options(prefill: "<tool_call>\n"))
        #expect(message.toolCalls.isEmpty)
        #expect(message.content == "oops, never mind")
    }

    @Test("a call whose end marker a backend stop string swallowed still parses", arguments: Repository.familyNames)
    func endMarkerSwallowed(familyName: String) {
        let family = Repository.family(familyName)
        let text = family.render(calls: [Self.call])
        guard let stop = family.stopStrings.first(where: { text.hasSuffix($0) }) else { return }
        let cut = String(text.dropLast(stop.count))
        let message = family.parse(cut, options: Drive.options())
        #expect(message.toolCalls.map(\.name) == [Self.call.name], "\(cut.debugDescription)")
        #expect(message.content == nil)
    }

    @Test("the parser reports the first complete call before the second arrives", arguments: Repository.familyNames)
    func firstCallSignal(familyName: String) {
        let family = Repository.family(familyName)
        let first = family.render(calls: [Self.call])
        let second = family.render(calls: [("search", #"{"q": "x"}"#)])
        // The gateway knows from the prompt whether reasoning is open; `detect` would hold text back.
        var parser = StreamingParser(family: family, options: Drive.options(reasoningStart: .closed))
        _ = parser.feed(first)
        _ = parser.feed(" \n")
        _ = parser.feed(String(second.prefix(second.count / 2)))
        #expect(parser.completedCallCount == 1)
        _ = parser.feed(String(second.dropFirst(second.count / 2)))
        _ = parser.finish()
        #expect(parser.completedCallCount == 2)
    }

    @Test("ids follow the family's style, are stable for a seed, and Mistral's [CALL_ID] becomes the id")
    func ids() {
        let mistral = Repository.family("mistral")
        let message = mistral.parse(#"[TOOL_CALLS]add[CALL_ID]a1B2c3D4e[ARGS]{"a": 1}[TOOL_CALLS]sub[ARGS]{"b": 2}"#,
                                    options: Drive.options())
        #expect(message.toolCalls.map(\.id).first == "a1B2c3D4e")
        #expect(message.toolCalls.last?.id.count == 9)
        var a = ToolCallIDGenerator(seed: 3)
        var b = ToolCallIDGenerator(seed: 3)
        #expect(a.next(style: .openai) == b.next(style: .openai))
        var random = ToolCallIDGenerator()
        let id = random.next(style: .openai)
        #expect(id.hasPrefix("call_") && id.count == 29)
    }

    @Test("a call to a tool the request did not offer is returned with a diagnostic")
    func unknownTool() {
        let family = Repository.family("hermes")
        let tools: JSONValue = [["type": "function", "function": ["name": "known", "parameters": [:]]]]
        let message = family.parse(#"<tool_call>{"name": "unknown", "arguments": {}}</tool_call>"#,
                                   options: Drive.options(tools: tools))
        #expect(message.toolCalls.map(\.name) == ["unknown"])
        #expect(message.diagnostics.map(\.kind) == [.unknownTool])
    }

    @Test("a family can say that a call to a tool not offered is text")
    func unknownToolAsText() throws {
        let definition = #"{"name": "strict", "start": "<call>", "end": "</call>", "body": "json_object", "render": "<call>{arguments}</call>", "unknown_tools": "text"}"#
        let family = try Family(definitionText: definition, source: "strict.json")
        let tools: JSONValue = [["type": "function", "function": ["name": "known", "parameters": [:]]]]
        let text = #"<call>{"name": "unknown", "arguments": {}}</call> <call>{"name": "known", "arguments": {}}</call>"#
        let message = family.parse(text, options: Drive.options(tools: tools))
        #expect(message.toolCalls.map(\.name) == ["known"])
        #expect(message.content == #"<call>{"name": "unknown", "arguments": {}}</call>"#)
        #expect(message.diagnostics.map(\.kind) == [.unknownTool])
        // Without tools nothing is unknown.
        #expect(family.parse(text, options: Drive.options()).toolCalls.count == 2)
    }

    @Test("tool prompt and tool result texts wrap the tools and the result", arguments: Repository.familyNames)
    func polyfillTexts(familyName: String) {
        let family = Repository.family(familyName)
        let tools: JSONValue = [["type": "function", "function": ["name": "get_weather", "parameters": ["type": "object"]]]]
        if let prompt = family.toolPrompt(tools: tools) {
            #expect(prompt.contains(#""name": "get_weather""#))
            #expect(!prompt.contains("{tools"))
        }
        if let result = family.toolResult(content: "22 degrees", name: "get_weather", id: "call_1") {
            #expect(result.contains("22 degrees"))
        }
    }

    @Test("raw ranges point at each call's text, markers included")
    func rawRanges() {
        let family = Repository.family("hermes")
        let first = #"<tool_call>{"name": "a", "arguments": {}}</tool_call>"#
        let text = "Hi. " + first + "\n" + #"<tool_call>{"name": "b", "arguments": {}}</tool_call>"#
        let message = family.parse(text, options: Drive.options())
        let bytes = Array(text.utf8)
        let ranges = message.toolCalls.compactMap(\.rawRange)
        #expect(ranges.count == 2)
        #expect(String(decoding: bytes[ranges[0]], as: UTF8.self) == first)
        #expect(ranges[1].upperBound == bytes.count)
    }
}
