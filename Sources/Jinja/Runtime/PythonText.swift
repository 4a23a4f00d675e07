/// Python's notions of whitespace, identifiers and string-literal escapes, over UTF-8 bytes and Strings.
enum PythonText {
    /// `str.isspace()` / regex `\s` for str patterns.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

    /// Decodes the scalar whose first byte is at `i` (the bytes are valid UTF-8: they came from a String).
    static func scalar(_ bytes: [UInt8], at i: Int) -> Unicode.Scalar {
        scalarAndLength(bytes, at: i).0
    }

    static func scalarAndLength(_ bytes: [UInt8], at i: Int) -> (Unicode.Scalar, Int) {
        bytes.withUnsafeBufferPointer { scalarAndLength($0, at: i) }
    }

    static func scalarAndLength(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int) {
        let b0 = UInt32(bytes[i])
        func cont(_ k: Int) -> UInt32 { i + k < bytes.count ? UInt32(bytes[i + k]) & 0x3F : 0 }
        let value: UInt32
        let length: Int
        if b0 < 0x80 {
            value = b0
            length = 1
        } else if b0 >= 0xF0 {
            value = (b0 & 0x07) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3)
            length = 4
        } else if b0 >= 0xE0 {
            value = (b0 & 0x0F) << 12 | cont(1) << 6 | cont(2)
            length = 3
        } else {
            value = (b0 & 0x1F) << 6 | cont(1)
            length = 2
        }
        return (Unicode.Scalar(value) ?? "\u{FFFD}", length)
    }

    /// The offset after any run of Python whitespace starting at `i`.
    static func skipWhitespace(_ bytes: [UInt8], from i: Int) -> Int {
        var j = i
        while j < bytes.count {
            let b = bytes[j]
            if b < 0x80 {
                guard (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x20) else { return j }
                j += 1
            } else {
                let (scalar, length) = scalarAndLength(bytes, at: j)
                guard isWhitespace(scalar) else { return j }
                j += length
            }
        }
        return j
    }

    static func isAllWhitespace(_ bytes: [UInt8], from start: Int, to end: Int) -> Bool {
        skipWhitespace(Array(bytes[start..<end]), from: 0) == end - start
    }

    /// The end offset of `bytes[start..<end]` with trailing Python whitespace removed (`str.rstrip()`).
    static func rstripWhitespace(_ bytes: [UInt8], from start: Int, to end: Int) -> Int {
        var e = end
        while e > start {
            // Step back to the start of the previous scalar.
            var s = e - 1
            while s > start && bytes[s] & 0xC0 == 0x80 { s -= 1 }
            guard isWhitespace(scalar(bytes, at: s)) else { break }
            e = s
        }
        return e
    }

    /// The end of a Python identifier starting at `i`, or nil when none starts there.
    static func identifierEnd(_ bytes: [UInt8], from i: Int) -> Int? {
        var j = i
        var first = true
        while j < bytes.count {
            let b = bytes[j]
            if b < 0x80 {
                let isStart = (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "z")) || b == UInt8(ascii: "_")
                guard isStart || (!first && isDigit(b)) else { break }
                j += 1
            } else {
                let (scalar, length) = scalarAndLength(bytes, at: j)
                let properties = scalar.properties
                guard first ? properties.isXIDStart : properties.isXIDContinue else { break }
                j += length
            }
            first = false
        }
        return j > i ? j : nil
    }

    /// Decodes a string literal's body the way jinja2 does (`unicode-escape` after normalizing newlines).
    static func unescapeStringLiteral(_ body: String, offset: Int) throws(JinjaError) -> String {
        guard body.utf8.contains(UInt8(ascii: "\\")) else { return body }
        var out = String.UnicodeScalarView()
        let scalars = Array(body.unicodeScalars)
        var i = 0
        func hexValue(at start: Int, count: Int) -> UInt32? {
            guard start + count <= scalars.count else { return nil }
            var value: UInt32 = 0
            for k in start..<(start + count) {
                let v = scalars[k].value
                let digit: UInt32
                switch v {
                case 0x30...0x39: digit = v - 0x30
                case 0x41...0x46: digit = v - 0x41 + 10
                case 0x61...0x66: digit = v - 0x61 + 10
                default: return nil
                }
                value = value * 16 + digit
            }
            return value
        }
        while i < scalars.count {
            let c = scalars[i]
            guard c == "\\", i + 1 < scalars.count else {
                out.append(c)
                i += 1
                continue
            }
            let e = scalars[i + 1]
            switch e {
            case "\n": i += 2
            case "\\": out.append("\\"); i += 2
            case "'": out.append("'"); i += 2
            case "\"": out.append("\""); i += 2
            case "a": out.append("\u{07}"); i += 2
            case "b": out.append("\u{08}"); i += 2
            case "f": out.append("\u{0C}"); i += 2
            case "n": out.append("\n"); i += 2
            case "r": out.append("\r"); i += 2
            case "t": out.append("\t"); i += 2
            case "v": out.append("\u{0B}"); i += 2
            case "0"..."7":
                var value: UInt32 = 0
                var k = i + 1
                while k < scalars.count && k < i + 4, ("0"..."7").contains(scalars[k]) {
                    value = value * 8 + (scalars[k].value - 0x30)
                    k += 1
                }
                out.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                i = k
            case "x", "u", "U":
                let count = e == "x" ? 2 : e == "u" ? 4 : 8
                guard let value = hexValue(at: i + 2, count: count) else {
                    let name = e == "x" ? "\\xXX" : e == "u" ? "\\uXXXX" : "\\UXXXXXXXX"
                    throw JinjaError(.syntax, "truncated \(name) escape", offset: offset)
                }
                guard let scalar = Unicode.Scalar(value) else {
                    throw JinjaError(.syntax, "illegal Unicode character", offset: offset)
                }
                out.append(scalar)
                i += 2 + count
            default:
                // Unknown escapes stay as written (Python keeps the backslash).
                out.append(c)
                i += 1
            }
        }
        return String(out)
    }
}

extension String {
    /// A String of the given scalars, built through UTF-8 bytes (the standard library's scalar-view
    /// initializers go through a slow generic path).
    init<S: Sequence>(scalars: S) where S.Element == Unicode.Scalar {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(scalars.underestimatedCount)
        for scalar in scalars {
            let v = scalar.value
            switch v {
            case 0..<0x80:
                bytes.append(UInt8(v))
            case 0x80..<0x800:
                bytes.append(UInt8(0xC0 | (v >> 6)))
                bytes.append(UInt8(0x80 | (v & 0x3F)))
            case 0x800..<0x10000:
                bytes.append(UInt8(0xE0 | (v >> 12)))
                bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                bytes.append(UInt8(0x80 | (v & 0x3F)))
            default:
                bytes.append(UInt8(0xF0 | (v >> 18)))
                bytes.append(UInt8(0x80 | ((v >> 12) & 0x3F)))
                bytes.append(UInt8(0x80 | ((v >> 6) & 0x3F)))
                bytes.append(UInt8(0x80 | (v & 0x3F)))
            }
        }
        self = String(decoding: bytes, as: UTF8.self)
    }

    /// True for Python dunder names (`__class__`), which the sandbox refuses.
    var isDunder: Bool {
        let u = utf8
        guard u.count > 4 else { return false }
        var it = u.makeIterator()
        guard it.next() == 95, it.next() == 95 else { return false }
        return u.last == 95 && u[u.index(u.endIndex, offsetBy: -2)] == 95
    }
}

/// Substring search and comparison by code points (UTF-8 bytes), as Python does. Swift's own `String`
/// operations compare by grapheme and canonical equivalence (`"\r\n"` is one Character, `"é" == "e\u{301}"`),
/// which would change results.
extension String {
    /// Python `==` on str: same code points.
    @inline(__always)
    func codePointsEqual(_ other: borrowing String) -> Bool {
        let count = utf8.count
        guard count == other.utf8.count else { return false }
        if count == 0 { return true }
        let result: Bool? = utf8.withContiguousStorageIfAvailable { x in
            other.utf8.withContiguousStorageIfAvailable { y in
                guard let a = x.baseAddress, let b = y.baseAddress else { return false }
                return memcmp(a, b, count) == 0
            } ?? false
        }
        if let result { return result }
        return utf8.elementsEqual(other.utf8)
    }

    /// Byte ranges of `needle`, left to right (non-overlapping unless asked).
    func utf8Ranges(of needle: String, overlapping: Bool = false, limit: Int = Int.max) -> [Range<Int>] {
        var haystack = self
        var needle = needle
        return haystack.withUTF8 { h in
            needle.withUTF8 { n -> [Range<Int>] in
                var found: [Range<Int>] = []
                guard n.count > 0, n.count <= h.count, let hBase = h.baseAddress, let nBase = n.baseAddress else {
                    return found
                }
                let first = n[0]
                var i = 0
                let last = h.count - n.count
                while i <= last && found.count < limit {
                    if h[i] == first && memcmp(hBase + i, nBase, n.count) == 0 {
                        found.append(i..<(i + n.count))
                        i += overlapping ? 1 : n.count
                    } else {
                        i += 1
                    }
                }
                return found
            }
        }
    }

    func utf8FirstRange(of needle: String) -> Range<Int>? { utf8Ranges(of: needle, limit: 1).first }

    func utf8LastRange(of needle: String) -> Range<Int>? { utf8Ranges(of: needle, overlapping: true).last }

    func utf8Contains(_ needle: String) -> Bool { needle.isEmpty || utf8FirstRange(of: needle) != nil }

    /// The text between two byte offsets that fall on code point boundaries.
    func utf8Slice(_ range: Range<Int>) -> String {
        var copy = self
        return copy.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }

    func utf8Slice(from start: Int) -> String { utf8Slice(start..<utf8.count) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
