#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Byte-level helpers shared by the scanners and body kinds. Everything works on UTF-8 bytes: markers
/// are found with `memchr`/`memcmp`, never by iterating Characters.
enum Bytes {
    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
    }

    @inline(__always)
    static func isIdentifierStart(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x5F
    }

    @inline(__always)
    static func isIdentifierByte(_ b: UInt8) -> Bool {
        isIdentifierStart(b) || (b >= 0x30 && b <= 0x39)
    }

    /// The first index at or after `from` that is not whitespace, or `end`.
    @inline(__always)
    static func skipWhitespace(_ p: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int {
        var i = from
        while i < end, isWhitespace(p[i]) { i += 1 }
        return i
    }

    /// `range` without leading and trailing whitespace.
    static func trimmed(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, isWhitespace(p[lower]) { lower += 1 }
        while upper > lower, isWhitespace(p[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    static func isAllWhitespace(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        trimmed(p, range).isEmpty
    }

    /// True when `marker` occurs in `p` at `at` (the whole marker fits in `p[..<end]`).
    @inline(__always)
    static func matches(_ p: UnsafeBufferPointer<UInt8>, at: Int, end: Int, _ marker: [UInt8]) -> Bool {
        guard end - at >= marker.count, let base = p.baseAddress else { return false }
        return marker.withUnsafeBufferPointer { m in memcmp(base + at, m.baseAddress!, m.count) == 0 }
    }

    /// How `marker` relates to the bytes at `at`: all present, a proper prefix cut by `end`, or absent.
    @inline(__always)
    static func compare(_ p: UnsafeBufferPointer<UInt8>, at: Int, end: Int, _ marker: [UInt8]) -> MarkerMatch {
        let available = min(marker.count, end - at)
        for k in 0..<available where p[at + k] != marker[k] { return .none }
        return available == marker.count ? .full : .partial
    }

    /// The first occurrence of `needle` in `p[from..<end]`, or nil.
    static func find(_ needle: [UInt8], in p: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int? {
        guard !needle.isEmpty, end - from >= needle.count, let base = p.baseAddress else { return nil }
        let first = Int32(needle[0])
        var i = from
        let last = end - needle.count
        while i <= last {
            guard let hit = memchr(base + i, first, last - i + 1) else { return nil }
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if matches(p, at: at, end: end, needle) { return at }
            i = at + 1
        }
        return nil
    }

    /// The start of a UTF-8 sequence cut by `end` (so text can be released up to a scalar boundary),
    /// or `end` when the bytes end on a boundary.
    static func scalarBoundary(_ p: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Int {
        var i = end
        var continuation = 0
        while i > start, continuation < 3, p[i - 1] & 0xC0 == 0x80 {
            i -= 1
            continuation += 1
        }
        guard i > start else { return end }
        let lead = p[i - 1]
        let length: Int
        switch lead {
        case 0xC0...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF7: length = 4
        default: return end
        }
        return continuation + 1 < length ? i - 1 : end
    }

    static func string(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: p[range]), as: UTF8.self)
    }
}

enum MarkerMatch {
    case none
    case partial
    case full
}
