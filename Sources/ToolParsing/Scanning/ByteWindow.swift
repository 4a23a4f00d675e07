/// The parser's buffer seen through absolute output offsets: the buffer drops released bytes, so its
/// first byte is at offset `base`, and every position the state machine keeps is absolute.
struct ByteWindow {
    let p: UnsafeBufferPointer<UInt8>
    let base: Int

    var end: Int { base + p.count }

    @inline(__always)
    subscript(offset: Int) -> UInt8 { p[offset - base] }

    /// The bytes of `range` as a buffer of their own (offset 0 = `range.lowerBound`).
    func slice(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: p[(range.lowerBound - base)..<(range.upperBound - base)])
    }

    func skipWhitespace(from: Int) -> Int {
        Bytes.skipWhitespace(p, from: from - base, to: p.count) + base
    }

    func first(_ markers: MarkerSet, from: Int, final: Bool) -> MarkerSet.Found {
        switch markers.first(in: p, from: from - base, to: p.count, final: final) {
        case .none: return .none
        case .partial(let at): return .partial(at: at + base)
        case .marker(let index, let at): return .marker(index: index, at: at + base)
        }
    }

    func match(_ markers: MarkerSet, at: Int, final: Bool) -> MarkerSet.Found? {
        switch markers.matchAt(p, at: at - base, end: p.count, final: final) {
        case .partial?: return .partial(at: at)
        case .marker(let index, _)?: return .marker(index: index, at: at)
        case .none?, nil: return nil
        }
    }

    func compare(at: Int, _ marker: [UInt8]) -> MarkerMatch {
        Bytes.compare(p, at: at - base, end: p.count, marker)
    }
}
