/// The generation settings both completion endpoints share, validated the same way.
public struct Sampling: Sendable {
    public var stream: Bool
    /// `stream_options.include_usage`: a last chunk with the token counts.
    public var includeUsage: Bool
    public var maxTokens: Int?
    public var temperature: Double?
    public var topP: Double?
    public var seed: Int?
    public var stop: [String]

    /// - Parameter maxTokenKeys: the keys that give the token limit, first found wins
    ///   (`max_completion_tokens` before the older `max_tokens` for chat).
    init(_ fields: FieldReader, maxTokenKeys: [String]) throws(OpenAIError) {
        stream = try fields.bool("stream") ?? false
        if let options = try fields.object("stream_options") {
            includeUsage = try FieldReader(options, path: "stream_options").bool("include_usage") ?? false
        } else {
            includeUsage = false
        }
        var maxTokens: Int?
        for key in maxTokenKeys {
            let value = try fields.integer(key, range: 1...Int(Int32.max))
            if maxTokens == nil { maxTokens = value }
        }
        self.maxTokens = maxTokens
        temperature = try fields.number("temperature", range: 0...2)
        topP = try fields.number("top_p", range: 0...1)
        seed = try fields.integer("seed")
        stop = try fields.strings("stop") ?? []
        if stop.count > 16 { throw .invalidValue(param: "stop", "at most 16 stop sequences are supported.") }
        if let n = try fields.integer("n"), n != 1 {
            throw .invalidValue(param: "n", "only n=1 is supported; send separate requests for more choices.")
        }
    }
}
