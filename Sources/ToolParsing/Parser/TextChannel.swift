/// Releases content (or reasoning) text as it is found, trimmed at the message's edges: whitespace
/// before the first visible byte is dropped, and trailing whitespace is held until visible text follows
/// it (then it is released, so words never glue together) or the output ends (then it is dropped).
/// Also holds a UTF-8 sequence cut by a chunk boundary, so every released string is whole text.
struct TextChannel: Sendable {
    private(set) var started = false
    private var held: [UInt8] = []

    /// The text to emit for `p[range]`, or nil when it is all held or dropped.
    mutating func append(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        guard !range.isEmpty else { return nil }
        if held.isEmpty { return release(p, range) }
        // Held whitespace or a cut UTF-8 sequence continues with these bytes: decide on them together.
        held.append(contentsOf: UnsafeBufferPointer(rebasing: p[range]))
        let bytes = held
        held.removeAll(keepingCapacity: true)
        return bytes.withUnsafeBufferPointer { release($0, 0..<$0.count) }
    }

    private mutating func release(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
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
        held.append(contentsOf: UnsafeBufferPointer(rebasing: p[releaseEnd..<upper]))
        guard releaseEnd > lower else { return nil }
        started = true
        return Bytes.string(p, lower..<releaseEnd)
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
