import Foundation
import JSON
import Testing
import ToolParsing

/// A tool call as a client sees it.
struct ClientToolCall: Sendable, Equatable, CustomStringConvertible {
    var id: String
    var name: String
    /// The `function.arguments` string, exactly as sent.
    var arguments: String

    var argumentsValue: JSONValue? { try? JSONParser().parse(arguments) }
    var description: String { "\(name)(\(arguments)) #\(id)" }
}

/// A chat completion as a client sees it, from a whole response or assembled from a stream, with every way the
/// response departs from OpenAI's shapes listed in `problems`.
struct ChatResult: Sendable {
    var id = ""
    var model = ""
    var content: String?
    var reasoningContent: String?
    var toolCalls: [ClientToolCall] = []
    var finishReason: String?
    var usage: JSONValue?
    /// Streams: the error event that ended the stream, if one did.
    var error: JSONValue?
    var problems: [String] = []

    /// Content as clients compare it: none and "" are the same.
    var text: String { content ?? "" }

    /// A whole `chat.completion` body.
    init(whole body: JSONValue, model: String) {
        check(body, object: "chat.completion", model: model)
        id = body["id"]?.stringValue ?? ""
        usage = body["usage"]
        if let usage { checkUsage(usage) }
        guard let choices = body["choices"]?.arrayValue, choices.count == 1, let choice = choices.first else {
            problems.append("choices is not a list of one choice: \(body)")
            return
        }
        if choice["index"]?.numberValue?.intValue != 0 { problems.append("choices[0].index is not 0") }
        finishReason = choice["finish_reason"]?.stringValue
        guard let message = choice["message"] else {
            problems.append("no choices[0].message")
            return
        }
        if message["role"]?.stringValue != "assistant" { problems.append("message.role is not assistant: \(message)") }
        switch message["content"] {
        case .string(let text)?: content = text
        case .null?: content = nil
        default: problems.append("message.content is neither a string nor null: \(message)")
        }
        reasoningContent = message["reasoning_content"]?.stringValue
        if let calls = message["tool_calls"] {
            guard let list = calls.arrayValue, !list.isEmpty else {
                problems.append("message.tool_calls is present but not a non-empty list")
                return
            }
            for call in list {
                guard let id = call["id"]?.stringValue, !id.isEmpty, call["type"]?.stringValue == "function",
                      let name = call["function"]?["name"]?.stringValue,
                      let arguments = call["function"]?["arguments"]?.stringValue
                else {
                    problems.append("malformed tool call: \(call)")
                    continue
                }
                toolCalls.append(ClientToolCall(id: id, name: name, arguments: arguments))
            }
        }
        checkCalls()
        checkFinish(whole: true)
    }

    /// A `chat.completion.chunk` stream (`data:` payloads, `[DONE]` included), assembled as an SDK does.
    init(events: [String], model: String, includeUsage: Bool) {
        guard events.last == "[DONE]" else {
            problems.append("the stream does not end with data: [DONE] (last event: \(events.last ?? "none"))")
            return
        }
        if events.dropLast().contains("[DONE]") { problems.append("[DONE] sent more than once") }
        var chunks: [JSONValue] = []
        for event in events.dropLast() {
            guard let value = try? JSONParser().parse(event), value.objectValue != nil else {
                problems.append("event is not a JSON object: \(event)")
                continue
            }
            chunks.append(value)
        }
        if let last = chunks.last, last["error"] != nil {
            error = last["error"]
            chunks.removeLast()
        }
        if chunks.contains(where: { $0["error"] != nil }) { problems.append("an error event is not the last event") }
        var created: JSONValue?
        var finishes = 0
        var arguments: [Int: String] = [:]
        var contentPieces: [String] = []
        var reasoningPieces: [String] = []
        for (number, chunk) in chunks.enumerated() {
            check(chunk, object: "chat.completion.chunk", model: model)
            if number == 0 { id = chunk["id"]?.stringValue ?? "" }
            if chunk["id"]?.stringValue != id { problems.append("chunk \(number) has another id") }
            if let created, chunk["created"].map({ !$0.isIdentical(to: created) }) ?? true {
                problems.append("chunk \(number) has another created time")
            }
            created = chunk["created"]
            guard let choices = chunk["choices"]?.arrayValue else {
                problems.append("chunk \(number) has no choices list")
                continue
            }
            if choices.isEmpty {
                // The usage chunk: last, only with include_usage.
                if !includeUsage { problems.append("a chunk without choices in a stream without include_usage") }
                if number != chunks.count - 1 { problems.append("the usage chunk is not the last chunk") }
                if let value = chunk["usage"], value.objectValue != nil { usage = value; checkUsage(value) } else {
                    problems.append("the usage chunk has no usage object")
                }
                continue
            }
            if includeUsage {
                if chunk["usage"].map({ !$0.isNull }) ?? true {
                    problems.append("chunk \(number) lacks \"usage\": null")
                }
            } else if chunk["usage"] != nil {
                problems.append("chunk \(number) has usage without include_usage")
            }
            guard choices.count == 1, let choice = choices.first, let delta = choice["delta"]?.objectValue else {
                problems.append("chunk \(number) does not hold one choice with a delta")
                continue
            }
            if choice["index"]?.numberValue?.intValue != 0 { problems.append("chunk \(number): choice index is not 0") }
            if number == 0 {
                if delta["role"]?.stringValue != "assistant" {
                    problems.append("the first delta has no role: \(delta)")
                }
            } else if delta["role"] != nil {
                problems.append("chunk \(number) repeats the role")
            }
            if let reason = choice["finish_reason"], !reason.isNull {
                finishes += 1
                finishReason = reason.stringValue
                if !delta.isEmpty { problems.append("the finishing chunk carries a delta: \(delta)") }
            } else if finishes > 0 {
                problems.append("chunk \(number) comes after the finishing chunk")
            }
            if case .string(let text)? = delta["content"], !text.isEmpty { contentPieces.append(text) }
            if case .string(let text)? = delta["reasoning_content"] { reasoningPieces.append(text) }
            for call in delta["tool_calls"]?.arrayValue ?? [] {
                guard let index = call["index"]?.numberValue?.intValue else {
                    problems.append("tool call delta without index: \(call)")
                    continue
                }
                guard let fragment = call["function"]?["arguments"]?.stringValue else {
                    problems.append("tool call delta without a function.arguments string: \(call)")
                    continue
                }
                if index == toolCalls.count {
                    guard let id = call["id"]?.stringValue, !id.isEmpty, call["type"]?.stringValue == "function",
                          let name = call["function"]?["name"]?.stringValue
                    else {
                        problems.append("the first delta of call \(index) lacks id, type or name: \(call)")
                        continue
                    }
                    toolCalls.append(ClientToolCall(id: id, name: name, arguments: ""))
                } else if index > toolCalls.count || index < toolCalls.count - 1 {
                    problems.append("tool call index \(index) out of order")
                    continue
                } else if call["id"] != nil || call["function"]?["name"] != nil {
                    problems.append("a later delta of call \(index) repeats its id or name")
                }
                arguments[index, default: ""] += fragment
            }
        }
        for index in toolCalls.indices { toolCalls[index].arguments = arguments[index] ?? "" }
        content = contentPieces.isEmpty ? nil : contentPieces.joined()
        reasoningContent = reasoningPieces.isEmpty ? nil : reasoningPieces.joined()
        if error == nil {
            if finishes != 1 { problems.append("\(finishes) chunks carry a finish_reason (want 1)") }
            checkCalls()
            checkFinish(whole: false)
        }
    }

    private mutating func check(_ value: JSONValue, object: String, model: String) {
        guard let id = value["id"]?.stringValue, id.hasPrefix("chatcmpl-"), id.count > 12 else {
            problems.append("id is not a chatcmpl- id: \(value["id"]?.serialized() ?? "none")")
            return
        }
        if value["object"]?.stringValue != object { problems.append("object is not \(object)") }
        guard let created = value["created"]?.numberValue?.intValue,
              abs(created - Int(Date().timeIntervalSince1970)) < 3600
        else {
            problems.append("created is not a current Unix time: \(value["created"]?.serialized() ?? "none")")
            return
        }
        self.model = value["model"]?.stringValue ?? ""
        if self.model != model { problems.append("model is \(self.model), not \(model)") }
    }

    private mutating func checkUsage(_ usage: JSONValue) {
        guard let prompt = usage["prompt_tokens"]?.numberValue?.intValue,
              let completion = usage["completion_tokens"]?.numberValue?.intValue,
              let total = usage["total_tokens"]?.numberValue?.intValue, total == prompt + completion
        else {
            problems.append("usage is not three consistent counts: \(usage)")
            return
        }
    }

    private mutating func checkCalls() {
        for call in toolCalls {
            if call.argumentsValue?.objectValue == nil {
                problems.append("arguments of \(call.name) are not a JSON object: \(call.arguments)")
            }
        }
        if Set(toolCalls.map(\.id)).count != toolCalls.count { problems.append("tool call ids repeat") }
    }

    private mutating func checkFinish(whole: Bool) {
        switch finishReason {
        case "tool_calls"?:
            if toolCalls.isEmpty { problems.append("finish_reason tool_calls without tool calls") }
        case "stop"?, "length"?:
            if !toolCalls.isEmpty { problems.append("tool calls with finish_reason \(finishReason ?? "")") }
        default:
            problems.append("finish_reason is \(finishReason ?? "missing")")
        }
    }
}

extension HTTPReply {
    /// The `data:` payloads of an SSE body; a frame that is not `data: …\n\n` is reported as `<bad frame …>`.
    var events: [String] {
        var events: [String] = []
        for frame in text.components(separatedBy: "\n\n") where !frame.isEmpty {
            if frame.hasPrefix("data: "), !frame.contains("\n") {
                events.append(String(frame.dropFirst(6)))
            } else {
                events.append("<bad frame \(frame)>")
            }
        }
        if !text.isEmpty, !text.hasSuffix("\n\n") { events.append("<unterminated frame>") }
        return events
    }

    /// The response as a chat result: a stream when the gateway answered with SSE, else a whole body.
    func chatResult(model: String, includeUsage: Bool = false) -> ChatResult {
        if header("content-type") == "text/event-stream" {
            return ChatResult(events: events, model: model, includeUsage: includeUsage)
        }
        var result = ChatResult(whole: json ?? .null, model: model)
        if status != 200 { result.problems.append("status \(status): \(text)") }
        return result
    }
}

/// Checks an OpenAI error envelope (`{"error": {"message", "type", "param", "code"}}`) and returns its message.
@discardableResult
func expectErrorEnvelope(_ value: JSONValue?, type: String, code: String?, param: String? = nil,
                         sourceLocation: SourceLocation = #_sourceLocation) -> String
{
    guard let error = value?["error"], let object = error.objectValue else {
        Issue.record("not an error envelope: \(value?.serialized() ?? "not JSON")", sourceLocation: sourceLocation)
        return ""
    }
    #expect(object.keys == ["message", "type", "param", "code"], sourceLocation: sourceLocation)
    #expect(error["type"]?.stringValue == type, "\(error)", sourceLocation: sourceLocation)
    #expect(error["code"]?.stringValue == code, "\(error)", sourceLocation: sourceLocation)
    #expect(error["param"]?.stringValue == param, "\(error)", sourceLocation: sourceLocation)
    let message = error["message"]?.stringValue ?? ""
    #expect(!message.isEmpty, sourceLocation: sourceLocation)
    return message
}

/// Checks a whole error response: status, JSON content type, envelope; returns the message.
@discardableResult
func expectError(_ reply: HTTPReply, status: Int, type: String, code: String?, param: String? = nil,
                 sourceLocation: SourceLocation = #_sourceLocation) -> String
{
    #expect(reply.status == status, "\(reply.text)", sourceLocation: sourceLocation)
    #expect(reply.header("content-type") == "application/json", sourceLocation: sourceLocation)
    return expectErrorEnvelope(reply.json, type: type, code: code, param: param, sourceLocation: sourceLocation)
}

extension Family {
    /// The oracle for what the gateway returns for a raw output: the family's own whole-text parse.
    func expected(_ text: String, tools: [JSONValue] = Chat.tools, prefill: String? = nil) -> ParsedMessage {
        parse(text, options: ParserOptions(tools: ToolSchemas(tools: .array(tools)), prefill: prefill))
    }
}

/// `actual` carries the content and calls (names, argument values) of the parsed `expected`.
func expectSameMessage(_ actual: ChatResult, _ expected: ParsedMessage,
                       sourceLocation: SourceLocation = #_sourceLocation)
{
    #expect(actual.text == (expected.content ?? ""), sourceLocation: sourceLocation)
    #expect(actual.toolCalls.map(\.name) == expected.toolCalls.map(\.name), sourceLocation: sourceLocation)
    let actualArguments = actual.toolCalls.map { $0.argumentsValue ?? .null }
    let expectedArguments = expected.toolCalls.map { (try? JSONParser().parse($0.arguments)) ?? .null }
    #expect(actualArguments == expectedArguments, sourceLocation: sourceLocation)
}
