/// What a backend produced, in order: zero or more `.text` chunks as they arrive, then exactly one
/// `.finished`. A failure instead ends the stream by throwing a ``BackendError``.
public enum CompletionEvent: Sendable, Equatable {
    /// The next piece of raw output; never empty, always whole Unicode scalars. Pieces are what arrived
    /// together (backend events read in one network read are joined); concatenated they are the
    /// backend's whole output.
    case text(String)
    /// The end of the output, with the reason and the token counts the backend reported.
    case finished(FinishReason, Usage?)
}

/// Why generation ended, normalized across dialects: end-of-generation and stop strings are both `.stop`
/// (llama.cpp `eos`/`word`, TGI `eos_token`/`stop_sequence`, Ollama `stop`); the token limit is `.length`.
public enum FinishReason: Sendable, Equatable, CustomStringConvertible {
    case stop
    case length
    /// A reason the backend gave that is neither (`abort`, `content_filter`, …), as it spelled it.
    case other(String)

    /// The OpenAI spelling (`stop`, `length`, or the backend's own word).
    public var description: String {
        switch self {
        case .stop: return "stop"
        case .length: return "length"
        case .other(let reason): return reason
        }
    }
}

/// Token counts as the backend reported them; a count the backend did not report is nil.
public struct Usage: Sendable, Equatable {
    public var promptTokens: Int?
    public var completionTokens: Int?

    public init(promptTokens: Int?, completionTokens: Int?) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }
}
