/// How a family's models spell tool-call ids.
public enum ToolCallIDStyle: String, Sendable {
    /// `call_` and 24 alphanumerics, as OpenAI.
    case openai
    /// 9 alphanumerics: Mistral's templates reject any other id.
    case mistral
}

/// Makes tool-call ids: random for serving, or from a seed so tests and `replay` print stable ids.
public struct ToolCallIDGenerator: Sendable {
    private var state: UInt64
    private let seeded: Bool

    /// Random ids.
    public init() {
        var generator = SystemRandomNumberGenerator()
        state = generator.next()
        seeded = false
    }

    /// The same ids for the same seed.
    public init(seed: UInt64) {
        state = seed
        seeded = true
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
        if !seeded {
            var generator = SystemRandomNumberGenerator()
            return generator.next()
        }
        // SplitMix64.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
