import JSON
public import Jinja

/// A model's chat template, compiled once, rendering conversations exactly as transformers'
/// `apply_chat_template(..., tokenize=False)` does.
public struct ChatTemplate: Sendable {
    public let template: Template

    /// Compiles template source (cached process-wide by source text).
    public init(source: String) throws(ChatTemplateError) {
        do {
            template = try Template.compiled(source)
        } catch {
            throw .template(error)
        }
    }

    public var source: String { template.source }

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
