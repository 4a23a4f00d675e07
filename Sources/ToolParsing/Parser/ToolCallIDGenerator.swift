/// How a family's models spell tool-call ids.
public enum ToolCallIDStyle: String, Sendable {
    /// `call_` and 24 alphanumerics, as OpenAI.
    case openai
    /// 9 alphanumerics: Mistral's templates reject any other id.
    case mistral
}

/// Makes tool-call ids: random for serving, or from a seed so tests and `replay` print stable ids.
public struct ToolCallIDGenerator: Sendable {
    /// Nil for random ids (the system generator).
    private var seeded: SplitMix64?

    /// Random ids.
    public init() {}

    /// The same ids for the same seed.
    public init(seed: UInt64) {
        seeded = SplitMix64(seed: seed)
    }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    public mutating func next(style: ToolCallIDStyle) -> String {
        style == .openai ? "call_" + alphanumerics(24) : alphanumerics(9)
    }

    /// `count` characters from A–Z, a–z, 0–9, each equally likely: six random bits per character, the two
    /// values past 61 drawn again (so one 64-bit draw makes about ten characters).
    public mutating func alphanumerics(_ count: Int) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count)
        var bits: UInt64 = 0
        var available = 0
        while bytes.count < count {
            if available < 6 {
                bits = nextRandom()
                available = 64
            }
            let value = Int(bits & 63)
            bits >>= 6
            available -= 6
            if value < Self.alphabet.count { bytes.append(Self.alphabet[value]) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private mutating func nextRandom() -> UInt64 {
        guard var generator = seeded else {
            var system = SystemRandomNumberGenerator()
            return system.next()
        }
        defer { seeded = generator }
        return generator.next()
    }
}
