/// One piece of a streamed assistant message, in the order an OpenAI stream sends them: content and
/// reasoning text as it is released; for each call first its start (index, id, name), then its
/// arguments in one or more fragments whose concatenation is the call's arguments JSON text.
public enum ParserDelta: Sendable, Equatable {
    case content(String)
    case reasoning(String)
    case toolCallStart(index: Int, id: String, name: String)
    case toolCallArguments(index: Int, fragment: String)
}
