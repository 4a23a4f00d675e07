import CallTable
import ChatTemplate
import JSON
import OpenAIAPI
import ToolGrammar
import ToolParsing

/// The prompt for one chat request, and what the parser must know about how it ends.
struct BuiltPrompt: Sendable {
    /// The exact prompt sent to the backend, prefill included.
    var text: String
    /// Text appended so the model continues inside a call (`tool_choice` required or named), or nil.
    var prefill: String?
    /// Whether the prompt leaves the model inside a reasoning block (the template opened `<think>`).
    var reasoningStart: ReasoningStart
    /// Assistant turns whose raw model bytes came from the call table (exact or patched).
    var rebuiltTurns: Int
    /// What the backend must enforce so the continuation after `prefill` is the forced call, or nil.
    var constraint: ToolCallConstraint.Form?
    /// Why a forced call goes without a constraint although the backend takes one (logged).
    var constraintProblem: String?
}

/// validate → **normalize → render**: rebuilds assistant turns from the call table, renders the model's
/// chat template, and adds the prefill that `tool_choice` asks for.
struct PromptBuilder {
    let runtime: ModelRuntime
    let rebuilder: TurnRebuilder

    init(runtime: ModelRuntime, store: any CallTableStore) {
        self.runtime = runtime
        let family = runtime.family
        rebuilder = TurnRebuilder(store: store) { calls in
            family.render(calls: calls.map { (name: $0.name, arguments: $0.arguments, id: Optional($0.id)) })
        }
    }

    func build(_ request: ChatCompletionRequest) throws(OpenAIError) -> BuiltPrompt {
        var messages: [JSONValue] = []
        messages.reserveCapacity(request.messages.count)
        var substitutions: [(sentinel: String, text: String, original: JSONValue)] = []
        for message in request.messages {
            let original = JSONValue.object(message.raw)
            guard message.role == .assistant, !message.toolCalls.isEmpty else {
                messages.append(original)
                continue
            }
            let returned = message.toolCalls.map { ReturnedCall(id: $0.id, name: $0.name, arguments: $0.arguments) }
            switch rebuilder.rebuild(content: message.content, calls: returned) {
            case .exact(let text, let reasoning), .patched(let text, let reasoning):
                // The template renders this turn as plain assistant text; the placeholder is then replaced
                // by the model's own bytes. Private-use characters cannot collide with real content. The
                // reasoning goes through the template, which decides whether earlier turns show it.
                let sentinel = "\u{E000}toolgate-turn-\(substitutions.count)\u{E001}"
                substitutions.append((sentinel, text, original))
                var rebuilt: JSONObject = ["role": "assistant", "content": .string(sentinel)]
                if let reasoning { rebuilt["reasoning_content"] = .string(reasoning) }
                messages.append(.object(rebuilt))
            case .unknown:
                messages.append(original)
            }
        }

        let tools = request.toolChoice == .none || request.tools.isEmpty ? nil : request.tools
        var rendered = try render(messages, tools: tools, request: request)
        var rebuilt = 0
        var missing: [Int] = []
        for (i, substitution) in substitutions.enumerated() {
            if let range = rendered.range(of: substitution.sentinel) {
                rendered.replaceSubrange(range, with: substitution.text)
                rebuilt += 1
            } else {
                missing.append(i)
            }
        }
        if !missing.isEmpty {
            // The template did not print the turn's content as given (it rewrote or dropped it): render
            // those turns from structured data instead, as if their ids were unknown.
            for i in missing {
                if let index = messages.firstIndex(of: .string(substitutions[i].sentinel), key: "content") {
                    messages[index] = substitutions[i].original
                }
            }
            rendered = try render(messages, tools: tools, request: request)
            rebuilt = 0
            for substitution in substitutions {
                if let range = rendered.range(of: substitution.sentinel) {
                    rendered.replaceSubrange(range, with: substitution.text)
                    rebuilt += 1
                }
            }
        }

        let forced: ForcedCall?
        switch request.toolChoice {
        case .required: forced = .anyTool
        case .function(let name): forced = .named(name)
        case .auto, .none: forced = nil
        }
        var prefill = forced.flatMap { runtime.family.prefill(functionName: $0.functionName) }
        var constraint: ToolCallConstraint.Form?
        var problem: String?
        if let forced, let content = runtime.constraint {
            // The constraint chooses the prefill it continues (a JSON-schema backend may need a shorter one).
            let builder = ToolCallConstraintBuilder(family: runtime.family, tools: request.tools)
            do {
                let made = content == .gbnf ? try builder.gbnf(forced, parallel: request.parallelToolCalls)
                    : try builder.jsonSchema(forced, parallel: request.parallelToolCalls)
                prefill = made.prefill.isEmpty ? nil : made.prefill
                constraint = made.form
            } catch {
                problem = error.description
            }
        }
        let reasoningStart = ReasoningStart.forPrompt(rendered, markers: reasoningMarkers)
        return BuiltPrompt(text: rendered + (prefill ?? ""), prefill: prefill, reasoningStart: reasoningStart,
                           rebuiltTurns: rebuilt, constraint: constraint, constraintProblem: problem)
    }

    var reasoningMarkers: ReasoningMarkers? { runtime.reasoningMarkers }

    private func render(_ messages: [JSONValue], tools: [JSONValue]?,
                        request: ChatCompletionRequest) throws(OpenAIError) -> String
    {
        var extra = runtime.profile.templateArguments
        for entry in request.chatTemplateArguments { extra[entry.key] = entry.value }
        let input = ChatRenderInput(messages: messages, tools: tools, addGenerationPrompt: true,
                                    specialTokens: runtime.specialTokens, extra: extra)
        do {
            let template = try runtime.templates.select(hasTools: tools != nil)
            return try template.render(input)
        } catch {
            // A template that raises is rejecting this conversation (e.g. "System role not supported").
            throw .invalidRequest("The model's chat template rejected the conversation: \(error)",
                                  param: "messages", code: "template_error")
        }
    }
}

extension ForcedCall {
    var functionName: String? {
        if case .named(let name) = self { return name }
        return nil
    }
}

extension Array where Element == JSONValue {
    /// The index of the first object whose `key` equals `value`.
    func firstIndex(of value: JSONValue, key: String) -> Int? {
        firstIndex { $0[key].map { $0.isIdentical(to: value) } ?? false }
    }
}
