/// What the fake backend answers to one completion request.
public struct FakeReply: Sendable {
    /// The raw output the "model" produces.
    public var text: String
    /// `stop` or `length`; each dialect's spelling is used on the wire (llama.cpp `eos`/`limit`, TGI
    /// `eos_token`/`length`, …).
    public var finishReason: String
    public var promptTokens: Int
    public var completionTokens: Int
    /// Characters per streamed event (the "tokens" of the fake model).
    public var pieceCharacters: Int
    /// Pause before each streamed event after the first (slow generation).
    public var pieceDelay: Duration?
    /// Write each streamed event in pieces of this many bytes, apart, so the client reads split events.
    public var splitWrites: Int?
    /// llama.cpp only: before a piece with a multi-byte character, send an event with empty `content`
    /// (what llama.cpp does while a UTF-8 sequence is incomplete). On by default.
    public var emptyEventsBeforeMultibyte: Bool
    /// How to fail instead of (or while) answering.
    public var misbehaviour: FakeMisbehaviour?

    public init(
        _ text: String, finishReason: String = "stop", promptTokens: Int = 7, completionTokens: Int? = nil,
        pieceCharacters: Int = 3, pieceDelay: Duration? = nil, splitWrites: Int? = nil,
        emptyEventsBeforeMultibyte: Bool = true, misbehaviour: FakeMisbehaviour? = nil
    ) {
        self.text = text
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens ?? max(1, (text.count + pieceCharacters - 1) / max(1, pieceCharacters))
        self.pieceCharacters = max(1, pieceCharacters)
        self.pieceDelay = pieceDelay
        self.splitWrites = splitWrites
        self.emptyEventsBeforeMultibyte = emptyEventsBeforeMultibyte
        self.misbehaviour = misbehaviour
    }

    /// A reply that only misbehaves.
    public static func failing(_ misbehaviour: FakeMisbehaviour, text: String = "partial output") -> FakeReply {
        FakeReply(text, misbehaviour: misbehaviour)
    }
}

/// The ways the fake backend fails on demand. "Events" are streamed events (one per piece); for a
/// non-streamed request the mid-stream cases apply to the body bytes instead (after `afterEvents` = 0,
/// before the body; otherwise half-way through it).
public enum FakeMisbehaviour: Sendable, Equatable {
    /// Read the request, then close the connection without a byte.
    case closeWithoutResponse
    /// Send the headers and `afterEvents` events, then reset the connection (TCP RST).
    case resetMidStream(afterEvents: Int)
    /// Answer this status with this body (`500`, `{"error": …}`).
    case status(Int, body: String)
    /// Send nothing at all for this long (or until the client goes away), then answer normally.
    case stallBeforeResponse(Duration)
    /// Send the headers and `afterEvents` events, then nothing for this long, then the rest.
    case stallMidStream(afterEvents: Int, Duration)
    /// Send these bytes instead of an HTTP response, then close.
    case rawBytes([UInt8])
    /// A 200 response whose body (or, streamed, whose first event line) is this text.
    case garbageBody(String)
    /// A 200 response whose JSON (body, or streamed, the first event) is cut off.
    case truncatedJSON
    /// A streamed response that ends cleanly (last chunk sent) without the dialect's final event.
    case endWithoutFinalEvent
    /// Stream an `{"error": …}` event after `afterEvents` events (vLLM and llama.cpp do this).
    case errorEvent(afterEvents: Int, message: String)
}
