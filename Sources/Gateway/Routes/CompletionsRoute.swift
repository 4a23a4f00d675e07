import Backends
import Foundation
import HTTPServer
import JSON
import Logging
import OpenAIAPI
import ToolParsing

extension Gateway {
    /// `POST /v1/completions`: a raw prompt passed through to the model's backend, text out.
    func completions(_ http: HTTPRequest, log: RequestLog) async -> HTTPResponse {
        let request: TextCompletionRequest
        let runtime: ModelRuntime
        do {
            request = try TextCompletionRequest(json: try parseBody(http))
            guard let found = runtimes[request.model] else { throw OpenAIError.modelNotFound(request.model) }
            runtime = found
        } catch {
            return error.response
        }
        let backendRequest = CompletionRequest(
            prompt: request.prompt, model: runtime.profile.backendModel ?? runtime.profile.name,
            maxTokens: request.sampling.maxTokens ?? runtime.profile.defaultMaxTokens, temperature: request.sampling.temperature,
            topP: request.sampling.topP, seed: request.sampling.seed, stop: request.sampling.stop, stream: request.sampling.stream,
            preservedTokens: runtime.preservedTokens)
        let writer = TextCompletionWriter(id: "cmpl-" + ResponseID.random(), created: Int(Date().timeIntervalSince1970),
                                          model: request.model)
        let events = BackendEvents(runtime.backend.start(backendRequest))
        let first: BackendEvents.First
        do { first = try await events.first() } catch {
            return backendFailure(error, model: request.model, log: log).response
        }
        guard request.sampling.stream else {
            var text = first.text
            var finish = first.finish
            do {
                while finish == nil, let event = try await events.next() {
                    switch event {
                    case .text(let piece): text += piece
                    case .finished(let reason, let usage): finish = (reason, usage)
                    }
                }
            } catch {
                return backendFailure(error, model: request.model, log: log).response
            }
            let body = writer.completion(text: text, finishReason: finish.map { OpenAIAPI.FinishReason(backend: $0.0) } ?? .stop,
                                         usage: finish.flatMap { TokenUsage(backend: $0.1) })
            return .json(200, Array(body.serialized().utf8))
        }
        let includeUsage = request.sampling.includeUsage
        return HTTPResponse(status: 200, headers: HTTPResponse.eventStreamHeaders, body: .stream { stream in
            stream.onCancel { [events] in events.cancel() }
            var finish = first.finish
            if !first.text.isEmpty { _ = stream.write(ServerSentEvents.event(writer.chunk(text: first.text))) }
            do {
                while finish == nil, let event = try await events.next() {
                    switch event {
                    case .text(let piece):
                        guard stream.write(ServerSentEvents.event(writer.chunk(text: piece))) else { return }
                    case .finished(let reason, let usage): finish = (reason, usage)
                    }
                }
            } catch {
                let failure = self.backendFailure(error, model: request.model, log: log)
                _ = stream.write(ServerSentEvents.event(failure.envelope))
                _ = stream.write(ServerSentEvents.done)
                return
            }
            var tail = ServerSentEvents.event(writer.chunk(text: "", finishReason: finish.map { OpenAIAPI.FinishReason(backend: $0.0) } ?? .stop))
            if includeUsage, let usage = finish.flatMap({ TokenUsage(backend: $0.1) }) {
                tail += ServerSentEvents.event(writer.usageChunk(usage))
            }
            tail += ServerSentEvents.done
            _ = stream.write(tail)
        })
    }

    /// Parses a request body as JSON, or the 400 that says where it broke.
    func parseBody(_ http: HTTPRequest) throws(OpenAIError) -> JSONValue {
        guard !http.body.isEmpty else { throw .invalidRequest("The request body is empty; send a JSON object.") }
        do {
            return try JSONParser().parse(http.body)
        } catch {
            throw .invalidRequest("We could not parse the JSON body of your request: \(error).", code: "invalid_json")
        }
    }

    /// A backend failure: counted, logged, and worded for the client.
    func backendFailure(_ error: any Error, model: String, log: RequestLog) -> OpenAIError {
        guard let error = error as? BackendError else {
            log.error("backend call failed: \(error)")
            return .badGateway("The model backend failed: \(error)")
        }
        metrics.recordBackendError(model: model, kind: error.code)
        log.warning("backend failed", ["model": "\(model)", "error": "\(error)"])
        return OpenAIError(backend: error)
    }
}

extension Error {
    /// Any error as the OpenAI error response a client gets.
    var response: HTTPResponse {
        (self as? OpenAIError ?? .internalError("\(self)")).response
    }
}

extension OpenAIAPI.FinishReason {
    init(backend reason: Backends.FinishReason) {
        switch reason {
        case .length: self = .length
        default: self = .stop
        }
    }
}

extension TokenUsage {
    /// Counts from the backend; nil when it reported none.
    init?(backend usage: Backends.Usage?) {
        guard let usage, usage.promptTokens != nil || usage.completionTokens != nil else { return nil }
        self.init(promptTokens: usage.promptTokens ?? 0, completionTokens: usage.completionTokens ?? 0)
    }
}

/// Response ids: random alphanumerics.
enum ResponseID {
    static func random(length: Int = 24) -> String {
        var generator = ToolCallIDGenerator()
        return generator.alphanumerics(length)
    }
}
