import JSON
public import Jinja

/// A model's chat template, compiled once, rendering conversations exactly as transformers'
/// `apply_chat_template(..., tokenize=False)` does.
public struct ChatTemplate: Sendable {
    public let template: Template
    private let probes: CapabilityBox

    /// Compiles template source (cached process-wide by source text). `probeTokens` are the special tokens the
    /// capability probes render with (templates often concatenate `bos_token`).
    public init(source: String,
                probeTokens: [(name: String, value: String)] = [("bos_token", "<s>"), ("eos_token", "</s>")])
        throws(ChatTemplateError)
    {
        do {
            template = try Template.compiled(source)
        } catch {
            throw .template(error)
        }
        probes = CapabilityBox(tokens: probeTokens)
    }

    public var source: String { template.source }

    /// What the template renders natively (probed on first use, then kept).
    public var capabilities: ChatTemplateCapabilities {
        probes.value { CapabilityProbe.detect(self, specialTokens: $0) }
    }

    /// Renders with `polyfill` filling in what the template cannot render itself (tools in the system prompt,
    /// calls and results as text). Templates with native tool calling render exactly as ``render(_:limits:)``.
    public func render(_ input: ChatRenderInput, polyfill: ToolCallingPolyfill, limits: RenderLimits = RenderLimits())
        throws(ChatTemplateError) -> String
    {
        let needed = input.tools.map { !$0.isEmpty } ?? false
            || input.messages.contains { $0["tool_calls"] != nil || $0["role"]?.stringValue == "tool" }
            || input.messages.contains { $0["role"]?.stringValue == "system" }
        guard needed else { return try render(input, limits: limits) }
        return try render(try polyfill.apply(to: input, capabilities: capabilities), limits: limits)
    }

    /// Renders a conversation: messages prepared as transformers does, variables in transformers' order
    /// (messages, tools, documents, add_generation_prompt, special tokens, extra keyword arguments).
    public func render(_ input: ChatRenderInput, limits: RenderLimits = RenderLimits()) throws(ChatTemplateError)
        -> String
    {
        let variables = try variables(for: input)
        do {
            return try template.render(variables, options: RenderOptions(now: input.now, limits: limits))
        } catch {
            throw .template(error)
        }
    }

    /// The keyword arguments `Template.render` receives, in transformers' order.
    public func variables(for input: ChatRenderInput) throws(ChatTemplateError) -> [(String, Value)] {
        for reserved in ["messages", "tools", "documents", "add_generation_prompt"] where input.extra[reserved] != nil {
            throw .invalidInput("'extra' may not redefine '\(reserved)'")
        }
        if let tools = input.tools, !tools.allSatisfy({ $0.objectValue != nil }) {
            throw .invalidInput("tools must be JSON-schema objects")
        }
        if let documents = input.documents, !documents.allSatisfy({ $0.objectValue != nil }) {
            throw .invalidInput("documents must be objects with 'title' and 'text'")
        }
        guard !input.messages.isEmpty else { throw .invalidInput("messages must not be empty") }
        let messages = try MessagePreparation.prepare(input.messages, compatibility: input.compatibility)
        var variables: [(String, Value)] = [
            ("messages", .jsonArray(messages)),
            ("tools", input.tools.map { .jsonArray($0) } ?? .none),
            ("documents", input.documents.map { .jsonArray($0) } ?? .none),
            ("add_generation_prompt", .bool(input.addGenerationPrompt)),
        ]
        variables.reserveCapacity(4 + input.specialTokens.count + input.extra.count)
        for token in input.specialTokens { variables.append((token.name, .string(token.value))) }
        for entry in input.extra { variables.append((entry.key, Value(json: entry.value))) }
        return variables
    }
}

/// Capabilities computed once per template, on first use, from any thread.
final class CapabilityBox: @unchecked Sendable {
    private let tokens: [(name: String, value: String)]
    private var mutex = pthread_mutex_t()
    private var cached: ChatTemplateCapabilities?

    init(tokens: [(name: String, value: String)]) {
        self.tokens = tokens
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    func value(_ compute: ([(name: String, value: String)]) -> ChatTemplateCapabilities) -> ChatTemplateCapabilities {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if let cached { return cached }
        let computed = compute(tokens)
        cached = computed
        return computed
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
