import Backends
import Foundation
import HTTPServer
import JSON
import Logging
import OpenAIAPI
import ToolGrammar
import ToolParsing

extension Gateway {
    /// `POST /v1/chat/completions`: the whole pipeline.
    func chatCompletions(_ http: HTTPRequest, log: RequestLog) async -> HTTPResponse {
        let request: ChatCompletionRequest
        let runtime: ModelRuntime
        let prompt: BuiltPrompt
        do {
            request = try ChatCompletionRequest(json: try parseBody(http))
            guard let found = runtimes[request.model] else { throw OpenAIError.modelNotFound(request.model) }
            runtime = found
            prompt = try PromptBuilder(runtime: runtime, store: callTable).build(request)
        } catch {
            return error.response
        }
        var log = log
        log.metadata["model"] = "\(request.model)"
        log.metadata["parser"] = "\(runtime.family.name)"
        if let problem = prompt.constraintProblem {
            log.warning("request sent without the constraint it asks for", ["reason": "\(problem)"])
        }
        let backendRequest = backendRequest(for: request, runtime: runtime, prompt: prompt)
        let started = ContinuousClock.now
        let events = BackendEvents(runtime.backend.start(backendRequest))
        let first: BackendEvents.First
        do { first = try await events.first() } catch {
            return backendFailure(error, model: request.model, log: log).response
        }
        let commit = request.sampling.stream ? runtime.commit : .validated
        let exchange = ChatExchange(runtime: runtime, request: request, prompt: prompt, commit: commit)
        let writer = ChatCompletionWriter(id: "chatcmpl-" + ResponseID.random(), created: Int(Date().timeIntervalSince1970),
                                          model: request.model, includeUsage: request.sampling.includeUsage)
        let context = ChatContext(gateway: self, runtime: runtime, request: request, prompt: prompt, writer: writer,
                                  events: events, started: started, log: log)
        if request.sampling.stream {
            return HTTPResponse(status: 200, headers: HTTPResponse.eventStreamHeaders, body: .stream { stream in
                await context.stream(first: first, exchange: exchange, to: stream)
            })
        }
        return await context.whole(first: first, exchange: exchange)
    }

    /// The backend request for a chat: sampling fields from the request (or the profile's defaults), stop
    /// strings from the profile and the request, and the family's end markers when only one call may come.
    func backendRequest(for request: ChatCompletionRequest, runtime: ModelRuntime,
                        prompt: BuiltPrompt) -> CompletionRequest
    {
        var stop = runtime.profile.stop
        for s in request.sampling.stop where !stop.contains(s) { stop.append(s) }
        if !request.parallelToolCalls && request.toolChoice != .none {
            for s in runtime.family.stopStrings where !stop.contains(s) { stop.append(s) }
        }
        let constraint: CompletionConstraint?
        switch prompt.constraint {
        case .gbnf(let grammar)?: constraint = .grammar(grammar)
        case .jsonSchema(let schema)?: constraint = .jsonSchema(schema)
        case nil: constraint = nil
        }
        return CompletionRequest(
            prompt: prompt.text, model: runtime.profile.backendModel ?? runtime.profile.name,
            maxTokens: request.sampling.maxTokens ?? runtime.profile.defaultMaxTokens,
            temperature: request.sampling.temperature, topP: request.sampling.topP, seed: request.sampling.seed,
            stop: stop,
            // Streamed from the backend when the client streams, or when one call is wanted (reading stops after
            // it); otherwise the answer is one backend response, a fraction of the cost of per-token events
            // (only the total deadline applies to it).
            stream: request.sampling.stream || !request.parallelToolCalls, preservedTokens: runtime.preservedTokens,
            constraint: constraint)
    }
}

/// Everything one chat response needs after the backend has answered.
struct ChatContext: Sendable {
    let gateway: Gateway
    let runtime: ModelRuntime
    let request: ChatCompletionRequest
    let prompt: BuiltPrompt
    let writer: ChatCompletionWriter
    let events: BackendEvents
    let started: ContinuousClock.Instant
    let log: RequestLog

    /// A whole (non-streamed) response.
    func whole(first: BackendEvents.First, exchange: ChatExchange) async -> HTTPResponse {
        var exchange = exchange
        var finish = first.finish
        _ = exchange.feed(first.text)
        do {
            while finish == nil, !exchange.stopped, let event = try await events.next() {
                switch event {
                case .text(let piece): _ = exchange.feed(piece)
                case .finished(let reason, let usage): finish = (reason, usage)
                }
            }
        } catch {
            return gateway.backendFailure(error, model: request.model, log: log).response
        }
        _ = exchange.finish()
        let message = exchange.message
        if let failure = strictFailure(message, exchange: exchange) {
            record(exchange, message: message, finish: finish)
            return failure.response
        }
        let body = writer.completion(assistantMessage(message), finishReason: finishReason(message, finish),
                                     usage: TokenUsage(backend: finish?.1))
        record(exchange, message: message, finish: finish)
        return .json(200, Array(body.serialized().utf8))
    }

    /// A streamed response: deltas go out as SSE chunks as the backend produces text.
    func stream(first: BackendEvents.First, exchange: ChatExchange, to stream: ResponseStreamWriter) async {
        stream.onCancel { [events] in events.cancel() }
        var exchange = exchange
        var finish = first.finish
        var out = ServerSentEvents.event(writer.roleChunk())
        append(exchange.feed(first.text), to: &out)
        guard stream.write(out) else { return }
        do {
            while finish == nil, !exchange.stopped, let event = try await events.next() {
                switch event {
                case .text(let piece):
                    out.removeAll(keepingCapacity: true)
                    append(exchange.feed(piece), to: &out)
                    if !out.isEmpty, !stream.write(out) { return }
                case .finished(let reason, let usage):
                    finish = (reason, usage)
                }
            }
        } catch {
            // The stream has started: the failure becomes a final error event and a clean end.
            let failure = gateway.backendFailure(error, model: request.model, log: log)
            _ = stream.write(ServerSentEvents.event(failure.envelope) + ServerSentEvents.done)
            return
        }
        out.removeAll(keepingCapacity: true)
        append(exchange.finish(), to: &out)
        let message = exchange.message
        if let failure = strictFailure(message, exchange: exchange) {
            out += ServerSentEvents.event(failure.envelope)
        } else {
            out += ServerSentEvents.event(writer.finishChunk(finishReason(message, finish)))
            if request.sampling.includeUsage, let usage = TokenUsage(backend: finish?.1) {
                out += ServerSentEvents.event(writer.usageChunk(usage))
            }
        }
        out += ServerSentEvents.done
        _ = stream.write(out)
        record(exchange, message: message, finish: finish)
    }

    private func append(_ deltas: [ParserDelta], to out: inout [UInt8]) {
        for delta in deltas {
            let chunk: JSONValue
            switch delta {
            case .content(let text): chunk = writer.contentChunk(text)
            case .reasoning(let text): chunk = writer.reasoningChunk(text)
            case .toolCallStart(let index, let id, let name):
                chunk = writer.toolCallStartChunk(index: index, id: id, name: name)
            case .toolCallArguments(let index, let fragment):
                chunk = writer.toolCallArgumentsChunk(index: index, fragment: fragment)
            }
            out += ServerSentEvents.event(chunk)
        }
    }

    private func assistantMessage(_ message: ParsedMessage) -> AssistantMessage {
        AssistantMessage(content: message.content, reasoningContent: message.reasoningContent,
                         toolCalls: message.toolCalls.map { ToolCall(id: $0.id, name: $0.name, arguments: $0.arguments) })
    }

    private func finishReason(_ message: ParsedMessage,
                              _ finish: (Backends.FinishReason, Usage?)?) -> OpenAIAPI.FinishReason
    {
        if !message.toolCalls.isEmpty { return .toolCalls }
        return finish.map { OpenAIAPI.FinishReason(backend: $0.0) } ?? .stop
    }

    /// Under the strict policy, a call that did not parse fails the request (502 with the raw text);
    /// under the lenient default it stays content and is only logged.
    private func strictFailure(_ message: ParsedMessage, exchange: ChatExchange) -> OpenAIError? {
        let broken = message.diagnostics.filter { [.malformedCall, .truncatedCall, .streamedCallBroken].contains($0.kind) }
        guard !broken.isEmpty else { return nil }
        for _ in broken { gateway.metrics.recordMalformedCall(family: runtime.family.name) }
        log.warning("tool call did not parse", ["diagnostics": "\(broken.map(\.description))"])
        guard runtime.profile.failurePolicy == .strict else { return nil }
        return .badGateway("The model produced a tool call that did not parse (\(broken[0].message)). Raw output: "
                           + exchange.output, code: "malformed_tool_call")
    }

    /// record: the call table (id → raw text), metrics, and the capture line.
    private func record(_ exchange: ChatExchange, message: ParsedMessage, finish: (Backends.FinishReason, Usage?)?) {
        if let turn = exchange.recordedTurn(message, reasoningMarkers: runtime.reasoningMarkers) {
            gateway.callTable.record(turn)
        }
        gateway.metrics.recordToolCalls(family: runtime.family.name, count: message.toolCalls.count)
        log.debug("chat completion", ["tool_calls": "\(message.toolCalls.count)", "output_bytes": "\(exchange.output.utf8.count)",
                                      "ms": "\(Int(started.secondsSince * 1000))", "finish": "\(finish?.0.description ?? "stop")"])
        guard let capture = gateway.capture else { return }
        let parsed: JSONValue = [
            "content": message.content.map(JSONValue.string) ?? .null,
            "tool_calls": .array(message.toolCalls.map { ["id": .string($0.id), "name": .string($0.name),
                                                          "arguments": .string($0.arguments)] }),
        ]
        let totalMilliseconds = started.secondsSince * 1000
        capture.append(CaptureRecord(
            id: writer.id, model: request.model, backend: runtime.backend.dialectName, prompt: prompt.text,
            text: exchange.output, finishReason: finish?.0 ?? .stop, usage: finish?.1,
            lastUserMessage: request.messages.last { $0.role == .user }?.content,
            tools: request.tools.isEmpty ? nil : .array(request.tools),
            timings: ["total_ms": .number(JSONNumber(totalMilliseconds))], parsed: parsed))
    }
}
