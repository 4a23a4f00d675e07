/// Releases content (or reasoning) text as it is found, trimmed at the message's edges: whitespace
/// before the first visible byte is dropped, and trailing whitespace is held until visible text follows
/// it (then it is released, so words never glue together) or the output ends (then it is dropped).
/// Also holds a UTF-8 sequence cut by a chunk boundary, so every released string is whole text.
///
/// What to release comes back as a range of the caller's bytes where possible, so a streamed chunk that
/// is all content can be passed on as the very string that came in.
struct TextChannel: Sendable {
    /// Text to emit: `prefix` (held bytes now released) first, then the bytes of `range`.
    struct Output {
        var prefix: String?
        var range: Range<Int>?
    }

    private(set) var started = false
    private var held: [UInt8] = []

    mutating func append(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Output {
        guard !range.isEmpty else { return Output() }
        if held.isEmpty { return Output(prefix: nil, range: release(p, range)) }
        if held.allSatisfy(Bytes.isWhitespace) {
            // Whitespace held at the end of the last piece: it goes out once visible text follows.
            guard Bytes.trimmed(p, range).isEmpty == false else {
                held.append(contentsOf: UnsafeBufferPointer(rebasing: p[range]))
                return Output()
            }
            let prefix = String(decoding: held, as: UTF8.self)
            held.removeAll(keepingCapacity: true)
            return Output(prefix: prefix, range: release(p, range))
        }
        // A cut UTF-8 sequence continues with these bytes: decide on them together.
        var bytes = held
        held.removeAll()
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[range]))
        return bytes.withUnsafeBufferPointer { joined in
            Output(prefix: release(joined, 0..<joined.count).map { Bytes.string(joined, $0) }, range: nil)
        }
    }

    /// The part of `p[range]` to release now; the rest (trailing whitespace, a cut sequence) is held.
    private mutating func release(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int>? {
        var lower = range.lowerBound
        let upper = range.upperBound
        if !started { lower = Bytes.skipWhitespace(p, from: lower, to: upper) }
        guard lower < upper else { return nil }
        var visibleEnd = upper
        while visibleEnd > lower, Bytes.isWhitespace(p[visibleEnd - 1]) { visibleEnd -= 1 }
        if visibleEnd == lower {
            held.append(contentsOf: UnsafeBufferPointer(rebasing: p[lower..<upper]))
            return nil
        }
        let releaseEnd = visibleEnd == upper ? Bytes.scalarBoundary(p, from: lower, to: upper) : visibleEnd
        if releaseEnd < upper { held.append(contentsOf: UnsafeBufferPointer(rebasing: p[releaseEnd..<upper])) }
        guard releaseEnd > lower else { return nil }
        started = true
        return lower..<releaseEnd
    }

    /// At the end of the output: trailing whitespace is dropped; a cut UTF-8 sequence (broken output)
    /// is released with replacement characters rather than lost.
    mutating func finish() -> String? {
        defer { held.removeAll() }
        guard let first = held.firstIndex(where: Bytes.isWhitespace) ?? Optional(held.count), first > 0 else {
            return nil
        }
        started = true
        return String(decoding: held[0..<first], as: UTF8.self)
    }
}
