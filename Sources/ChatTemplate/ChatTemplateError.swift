public import Jinja

/// What can fail loading a chat template or preparing and rendering a conversation.
public enum ChatTemplateError: Error, Sendable, CustomStringConvertible {
    /// The template itself raised (raise_exception, undefined value, type error, recursion) or does not parse.
    case template(JinjaError)
    /// The conversation cannot be handed to a template (messages not objects, reserved names in extra, …).
    case invalidInput(String)
    /// A template source (file, tokenizer_config.json, GGUF metadata) could not be read or has no template.
    case source(String)

    public var description: String {
        switch self {
        case .template(let error): return error.description
        case .invalidInput(let message): return "invalid chat input: \(message)"
        case .source(let message): return "chat template: \(message)"
        }
    }
}
