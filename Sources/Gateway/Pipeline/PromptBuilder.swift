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
    /// Why a forced call or a `response_format` goes without a constraint although the backend takes one (logged).
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

    /// An assistant turn that goes into the prompt as text: where it is, its placeholder, and its bytes.
    private struct TextTurn {
        var index: Int
        var sentinel: String
        var text: String
        var original: JSONValue
    }

    func build(_ request: ChatCompletionRequest) throws(OpenAIError) -> BuiltPrompt {
        var messages: [JSONValue] = []
        messages.reserveCapacity(request.messages.count)
        var turns: [TextTurn] = []
        for message in request.messages {
            let original = JSONValue.object(message.raw)
            guard message.role == .assistant, !message.toolCalls.isEmpty else {
                messages.append(original)
                continue
            }
            let returned = message.toolCalls.map { ReturnedCall(id: $0.id, name: $0.name, arguments: $0.arguments) }
            let text: String
            var reasoning: String?
            switch rebuilder.rebuild(content: message.content, calls: returned) {
            case .exact(let raw, let thought), .patched(let raw, let thought): (text, reasoning) = (raw, thought)
            case .rendered(let written): text = written
            }
            // The template renders this turn as plain assistant text; the placeholder is then replaced by the
            // turn's bytes. Private-use characters cannot collide with real content. Reasoning goes through the
            // template, which decides whether earlier turns show it.
            let sentinel = "\u{E000}toolgate-turn-\(turns.count)\u{E001}"
            turns.append(TextTurn(index: messages.count, sentinel: sentinel, text: text, original: original))
            var placeholder: JSONObject = ["role": "assistant", "content": .string(sentinel)]
            if let reasoning { placeholder["reasoning_content"] = .string(reasoning) }
            messages.append(.object(placeholder))
        }

        let tools = request.toolChoice == .none || request.tools.isEmpty ? nil : request.tools
        var rendered = try render(messages, tools: tools, request: request)
        if turns.contains(where: { rendered.range(of: $0.sentinel) == nil }) {
            // The template did not print some turn's content as given (it rewrote or dropped it): those turns
            // are rendered by the template from structured data instead.
            turns.removeAll { turn in
                guard rendered.range(of: turn.sentinel) == nil else { return false }
                messages[turn.index] = turn.original
                return true
            }
            rendered = try render(messages, tools: tools, request: request)
        }
        // Where the model's output began: a template may put spacing between its generation prompt and an
        // assistant turn's content (Mistral writes "[/INST] " + content) that the model never produced.
        let spacing = turns.map { spacingBefore($0, in: rendered, messages: messages, tools: tools, request: request) }
        var rebuilt = 0
        for (turn, extra) in zip(turns, spacing) {
            guard let range = rendered.range(of: turn.sentinel) else { continue }
            let lower = rendered.utf8.index(range.lowerBound, offsetBy: -extra)
            rendered.replaceSubrange(lower..<range.upperBound, with: turn.text)
            rebuilt += 1
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
        } else if let schema = request.responseFormat.schema, request.toolChoice == .none,
                  let content = runtime.constraint {
            // A structured answer with no tool to call: the content itself is constrained to the schema.
            do {
                constraint = content == .gbnf ? .gbnf(try JSONSchemaGrammar.gbnf(for: schema)) : .jsonSchema(schema)
            } catch {
                problem = "response_format: \(error.description)"
            }
        }
        let reasoningStart = ReasoningStart.forPrompt(rendered, markers: reasoningMarkers)
        return BuiltPrompt(text: rendered + (prefill ?? ""), prefill: prefill, reasoningStart: reasoningStart,
                           rebuiltTurns: rebuilt, constraint: constraint, constraintProblem: problem)
    }

    /// UTF-8 bytes of whitespace the template put between the generation prompt (the conversation before the
    /// turn, rendered with `add_generation_prompt`) and the turn's content; 0 when the two do not line up.
    private func spacingBefore(_ turn: TextTurn, in rendered: String, messages: [JSONValue], tools: [JSONValue]?,
                               request: ChatCompletionRequest) -> Int
    {
        guard let range = rendered.range(of: turn.sentinel),
              let prompt = try? render(Array(messages[..<turn.index]), tools: tools, request: request)
        else { return 0 }
        let before = rendered[..<range.lowerBound]
        guard before.hasPrefix(prompt) else { return 0 }
        let extra = before.utf8.dropFirst(prompt.utf8.count)
        return extra.allSatisfy { $0 == 0x20 || $0 == 0x0A } ? extra.count : 0
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
            return try template.render(input, polyfill: runtime.polyfill)
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
