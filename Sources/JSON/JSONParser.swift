#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A byte-level JSON parser (RFC 8259): strict, fast, and exact about where input went wrong.
///
/// Strings are validated UTF-8; numbers keep their literal text; object keys keep their order;
/// a duplicate key keeps its first position and last value (as `json.loads` does). Nesting is
/// bounded so hostile input cannot exhaust the stack.
public struct JSONParser: Sendable {
    public var maxDepth: Int

    public init(maxDepth: Int = 512) {
        self.maxDepth = maxDepth
    }

    /// Parses a whole JSON text: one value with optional whitespace around it.
    public func parse(_ text: String) throws(JSONError) -> JSONValue {
        var text = text
        // withUTF8 only rethrows untyped errors: carry the typed one out in a Result.
        return try text.withUTF8 { buffer in Result { () throws(JSONError) in try parse(bytes: buffer) } }.get()
    }

    /// Parses a whole JSON text from UTF-8 bytes.
    public func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer in Result { () throws(JSONError) in try parse(bytes: buffer) } }.get()
    }

    public func parse(bytes: UnsafeBufferPointer<UInt8>) throws(JSONError) -> JSONValue {
        var reader = Reader(bytes: bytes, index: 0, maxDepth: maxDepth)
        reader.skipWhitespace()
        let value = try reader.parseValue(final: true)
        reader.skipWhitespace()
        if reader.index != bytes.count {
            throw reader.error(.trailingContent, expected: "end of input")
        }
        return value
    }

    /// Parses one value that starts at `offset` (leading whitespace skipped) and returns it with the
    /// offset just after it; whatever follows is left to the caller.
    ///
    /// With `final: false` the bytes are a prefix of a longer stream: a number that touches the end
    /// could still grow, so it is reported as truncated (`JSONError.isTruncation`) rather than parsed.
    public func parsePrefix(bytes: UnsafeBufferPointer<UInt8>, from offset: Int = 0,
                            final: Bool = true) throws(JSONError) -> (value: JSONValue, end: Int)
    {
        var reader = Reader(bytes: bytes, index: offset, maxDepth: maxDepth)
        reader.skipWhitespace()
        let value = try reader.parseValue(final: final)
        return (value, reader.index)
    }

    /// `parsePrefix` over the UTF-8 of a string; offsets are UTF-8 byte offsets.
    public func parsePrefix(_ text: Substring, from offset: Int = 0,
                            final: Bool = true) throws(JSONError) -> (value: JSONValue, end: Int)
    {
        var text = text
        return try text.withUTF8 { buffer in
            Result { () throws(JSONError) in try parsePrefix(bytes: buffer, from: offset, final: final) }
        }.get()
    }
}

extension JSONValue {
    /// Parses a whole JSON text with the default parser.
    public static func parse(_ text: String) throws(JSONError) -> JSONValue {
        try JSONParser().parse(text)
    }

    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        try JSONParser().parse(bytes)
    }
}

// MARK: - The reader

/// The input bytes of one object key (between its quotes).
struct KeySpan {
    var start: Int
    var end: Int
    var escaped: Bool
    /// The key's first and last eight bytes (zero-padded when shorter): equal keys have equal
    /// words, so most distinct keys are told apart without touching their bytes again.
    var head: UInt64
    var tail: UInt64

    init(bytes: UnsafeBufferPointer<UInt8>, start: Int, end: Int, escaped: Bool) {
        self.start = start
        self.end = end
        self.escaped = escaped
        let length = end - start
        head = 0
        tail = 0
        guard let base = bytes.baseAddress else { return }
        let raw = UnsafeRawPointer(base)
        if length >= 8 {
            head = raw.loadUnaligned(fromByteOffset: start, as: UInt64.self)
            tail = raw.loadUnaligned(fromByteOffset: end - 8, as: UInt64.self)
        } else {
            for k in 0..<length { head |= UInt64(bytes[start + k]) << (8 * UInt64(k)) }
        }
    }

    /// Whether two unescaped keys have the same bytes.
    func sameBytes(as other: KeySpan, in base: UnsafePointer<UInt8>) -> Bool {
        let length = end - start
        guard length == other.end - other.start, head == other.head, tail == other.tail else { return false }
        return length <= 16 || memcmp(base + start, base + other.start, length) == 0
    }
}

private let quote = UInt8(ascii: "\"")
private let backslash = UInt8(ascii: "\\")

/// The parser's state over one input; noncopyable because it owns its scratch stacks.
struct Reader: ~Copyable {
    let bytes: UnsafeBufferPointer<UInt8>
    var index: Int
    let maxDepth: Int
    var depth = 0
    /// Reused for strings with escapes so each one does not allocate a fresh buffer.
    var scratch: [UInt8] = []
    /// Elements and members of the containers being parsed, innermost last: each container is
    /// built with one exact-size allocation when it closes, instead of growing as it is read.
    var values = RawStack<JSONValue>()
    var members = RawStack<JSONObject.Entry>()
    /// Where each member's key sits in the input, parallel to `members`, so duplicate keys are found
    /// by comparing bytes instead of Strings.
    var keySpans = RawStack<KeySpan>()
    /// Set by `parseString`: whether the last string had escapes (its bytes differ from its text).
    var lastStringEscaped = false

    init(bytes: UnsafeBufferPointer<UInt8>, index: Int, maxDepth: Int) {
        self.bytes = bytes
        self.index = index
        self.maxDepth = maxDepth
    }

    // Errors are the cold path: kept out of line so the parsing loops stay small.
    @inline(never)
    func error(_ kind: JSONError.Kind, expected: String, at offset: Int? = nil) -> JSONError {
        let offset = min(offset ?? index, bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return JSONError(kind: kind, offset: offset, line: line, column: offset - lineStart + 1, expected: expected)
    }

    @inline(never)
    func unexpected(expected: String) -> JSONError {
        index < bytes.count
            ? error(.unexpectedByte(bytes[index]), expected: expected)
            : error(.unexpectedEnd, expected: expected)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(final: Bool) throws(JSONError) -> JSONValue {
        guard index < bytes.count else { throw error(.unexpectedEnd, expected: "a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"): return .object(try parseObject())
        case UInt8(ascii: "["): return .array(try parseArray())
        case quote: return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber(final: final))
        default: throw unexpected(expected: "a value")
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let start = index
        let count = word.utf8CodeUnitCount
        for k in 0..<count {
            let i = start + k
            guard i < bytes.count else {
                index = i
                throw error(.unexpectedEnd, expected: "'\(word)'")
            }
            guard bytes[i] == word.utf8Start[k] else {
                index = i
                throw error(.unexpectedByte(bytes[i]), expected: "'\(word)'")
            }
        }
        index = start + count
    }

    mutating func parseNumber(final: Bool) throws(JSONError) -> JSONNumber {
        let start = index
        guard let (end, isInteger) = JSONNumber.scan(bytes, from: start) else {
            // Tell a cut-off number ("-", "1.", "1e") from a wrong one ("01x" is fine: stops at 'x').
            var probe = start
            while probe < bytes.count, isNumberByte(bytes[probe]) { probe += 1 }
            if probe == bytes.count { throw error(.unexpectedEnd, expected: "digits", at: probe) }
            throw error(.invalidNumber, expected: "a number", at: start)
        }
        if !final && end == bytes.count {
            throw error(.unexpectedEnd, expected: "the end of the number", at: end)
        }
        index = end
        let literal = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        return JSONNumber(uncheckedLiteral: literal, isInteger: isInteger)
    }

    private func isNumberByte(_ b: UInt8) -> Bool {
        JSONNumber.isDigit(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".")
            || b == UInt8(ascii: "e") || b == UInt8(ascii: "E")
    }

    mutating func enter() throws(JSONError) {
        depth += 1
        if depth > maxDepth { throw error(.tooDeep(limit: maxDepth), expected: "shallower nesting") }
    }

    mutating func parseArray() throws(JSONError) -> [JSONValue] {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "]") {
            index += 1
            return []
        }
        let base = values.count
        defer { values.truncate(to: base) }
        while true {
            values.push(try parseValue(final: false))
            skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd, expected: "',' or ']'") }
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if b == UInt8(ascii: "]") { return values.popArray(from: base) }
            index -= 1
            throw unexpected(expected: "',' or ']'")
        }
    }

    mutating func parseObject() throws(JSONError) -> JSONObject {
        try enter()
        defer { depth -= 1 }
        index += 1
        skipWhitespace()
        if index < bytes.count && bytes[index] == UInt8(ascii: "}") {
            index += 1
            return JSONObject(uniqueEntries: [])
        }
        let base = members.count
        defer {
            members.truncate(to: base)
            keySpans.truncate(to: base)
        }
        // One bit per key fingerprint: only a key whose bit is already set can be a repeat, so
        // the pairwise comparison runs only for those.
        var fingerprints: UInt64 = 0
        var hasDuplicate = false
        while true {
            guard index < bytes.count, bytes[index] == quote else { throw unexpected(expected: "a string key") }
            let keyStart = index + 1
            let key = try parseString()
            // Pushed with its member, after the value: nested objects use the stacks in between.
            let span = KeySpan(bytes: bytes, start: keyStart, end: index - 1, escaped: lastStringEscaped)
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw unexpected(expected: "':' after an object key")
            }
            index += 1
            skipWhitespace()
            let value = try parseValue(final: false)
            members.push(JSONObject.Entry(key: key, value: value))
            keySpans.push(span)
            let mixed = (span.head ^ (span.tail &* 31) ^ UInt64(span.end - span.start)) &* 0x9E37_79B9_7F4A_7C15
            let bit: UInt64 = span.escaped ? ~0 : 1 &<< (mixed >> 58)
            if fingerprints & bit != 0 && !hasDuplicate {
                hasDuplicate = repeatsEarlierKey(members.count - 1, base: base)
            }
            fingerprints |= bit
            skipWhitespace()
            guard index < bytes.count else { throw error(.unexpectedEnd, expected: "',' or '}'") }
            let b = bytes[index]
            index += 1
            if b == UInt8(ascii: ",") {
                skipWhitespace()
                continue
            }
            if b == UInt8(ascii: "}") {
                let entries = members.popArray(from: base)
                return hasDuplicate ? JSONObject(entries) : JSONObject(uniqueEntries: entries)
            }
            index -= 1
            throw unexpected(expected: "',' or '}'")
        }
    }

    /// Whether the member at `i` repeats the key of an earlier member of its object (from `base`).
    /// Keys are compared as input bytes; a key with escapes is compared as text, since different
    /// bytes can spell the same key.
    func repeatsEarlierKey(_ i: Int, base: Int) -> Bool {
        guard let start = bytes.baseAddress else { return false }
        let a = keySpans[i]
        for j in base..<i {
            let b = keySpans[j]
            if a.escaped || b.escaped {
                if members[i].key == members[j].key { return true }
            } else if a.sameBytes(as: b, in: start) {
                return true
            }
        }
        return false
    }

    mutating func parseString() throws(JSONError) -> String {
        let start = index + 1
        var i = start
        let n = bytes.count
        // Eight bytes at a time while none is a quote, a backslash or a control character.
        var highBits: UInt64 = 0
        if let base = bytes.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= n {
                let word = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                if Reader.needsAttention(word) { break }
                highBits |= word
                i += 8
            }
        }
        var ascii = highBits & 0x8080_8080_8080_8080 == 0
        while i < n {
            let b = bytes[i]
            if b == quote {
                index = i + 1
                lastStringEscaped = false
                let span = UnsafeBufferPointer(rebasing: bytes[start..<i])
                if !ascii && !isValidUTF8(span) { throw error(.invalidUTF8, expected: "UTF-8 text", at: start) }
                return String(decoding: span, as: UTF8.self)
            }
            if b == backslash { return try parseEscapedString(start: start, firstEscape: i) }
            if b < 0x20 { throw error(.controlCharacterInString, expected: "'\\\"' or an escaped character", at: i) }
            if b >= 0x80 { ascii = false }
            i += 1
        }
        index = n
        throw error(.unexpectedEnd, expected: "'\"' closing the string")
    }

    /// True when some byte of `word` is `"`, `\\` or below 0x20 (the classic "has zero byte" trick).
    @inline(__always)
    static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZeroByte(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let belowSpace = (word &- ones &* 0x20) & ~word & highs != 0
        return hasZeroByte(word ^ (ones &* 0x22)) || hasZeroByte(word ^ (ones &* 0x5C)) || belowSpace
    }

    /// Slow path: the string has escapes, so its bytes are rebuilt in the scratch buffer.
    mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONError) -> String {
        lastStringEscaped = true
        var inputASCII = true
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<firstEscape]))
        var i = firstEscape
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b == quote {
                index = i + 1
                return try scratch.withUnsafeBufferPointer { (text) throws(JSONError) in
                    // Bytes made from \u escapes are valid by construction; only input bytes need checking.
                    guard inputASCII || isValidUTF8(text) else {
                        throw error(.invalidUTF8, expected: "UTF-8 text", at: start)
                    }
                    return String(decoding: text, as: UTF8.self)
                }
            }
            if b < 0x20 { throw error(.controlCharacterInString, expected: "'\\\"' or an escaped character", at: i) }
            if b != backslash {
                var j = i + 1
                while j < n, bytes[j] != quote, bytes[j] != backslash, bytes[j] >= 0x20 { j += 1 }
                if inputASCII { inputASCII = !bytes[i..<j].contains { $0 >= 0x80 } }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<j]))
                i = j
                continue
            }
            guard i + 1 < n else {
                index = n
                throw error(.unexpectedEnd, expected: "an escape sequence")
            }
            let e = bytes[i + 1]
            i += 2
            switch e {
            case quote: scratch.append(quote)
            case backslash: scratch.append(backslash)
            case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): scratch.append(0x08)
            case UInt8(ascii: "f"): scratch.append(0x0C)
            case UInt8(ascii: "n"): scratch.append(0x0A)
            case UInt8(ascii: "r"): scratch.append(0x0D)
            case UInt8(ascii: "t"): scratch.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try readHex4(at: i)
                i += 4
                if (0xD800..<0xDC00).contains(scalar), i + 6 <= n, bytes[i] == backslash, bytes[i + 1] == UInt8(ascii: "u") {
                    let low = try readHex4(at: i + 2)
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                // A lone surrogate has no UTF-8 form; Swift strings cannot hold it, so it becomes U+FFFD.
                let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                UTF8.encode(unicode) { scratch.append($0) }
            default:
                throw error(.invalidEscape, expected: "one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX", at: i - 2)
            }
        }
        index = n
        throw error(.unexpectedEnd, expected: "'\"' closing the string")
    }

    func readHex4(at i: Int) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for k in 0..<4 {
            guard i + k < bytes.count else {
                throw error(.unexpectedEnd, expected: "four hex digits", at: bytes.count)
            }
            let b = bytes[i + k]
            let digit: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error(.invalidUnicodeEscape, expected: "four hex digits", at: i + k)
            }
            value = value << 4 | digit
        }
        return value
    }
}
