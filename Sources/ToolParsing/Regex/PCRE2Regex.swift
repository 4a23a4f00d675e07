internal import CPCRE2

/// A compiled PCRE2 pattern over UTF-8 bytes: compiled once (JIT when available) and shared by every
/// thread. Match data is made per match, so one instance is safe to use from many threads at once.
///
/// Patterns are compiled with `UTF`, `MATCH_INVALID_UTF` (model output may hold broken UTF-8) and
/// `DOTALL` (call bodies span lines; write `(?-s)` to opt out).
public final class PCRE2Regex: @unchecked Sendable {
    // The code is immutable after compilation; PCRE2 documents it as shareable between threads.
    private let code: OpaquePointer
    private let jitted: Bool
    public let pattern: String
    /// Capture group names with their numbers.
    public let groupNames: [String: Int]

    /// One successful match: group ranges are byte offsets into the subject.
    public struct Match: Sendable {
        public let range: Range<Int>
        let groups: [Range<Int>?]
        let names: [String: Int]

        public func range(of group: String) -> Range<Int>? {
            guard let number = names[group], number < groups.count else { return nil }
            return groups[number]
        }
    }

    public init(_ pattern: String) throws(ToolParsingError) {
        self.pattern = pattern
        var errorCode: Int32 = 0
        var errorOffset = 0
        let options = UInt32(PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOTALL)
        let compiled: OpaquePointer? = pattern.utf8.withContiguousStorageIfAvailable { bytes in
            pcre2_compile_8(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset, nil)
        } ?? Array(pattern.utf8).withUnsafeBufferPointer { bytes in
            pcre2_compile_8(bytes.baseAddress, bytes.count, options, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            throw .invalidPattern(offset: errorOffset, message: PCRE2Regex.message(for: errorCode))
        }
        code = compiled
        jitted = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        groupNames = PCRE2Regex.readGroupNames(compiled)
    }

    deinit {
        pcre2_code_free_8(code)
    }

    /// The first match in `subject` at or after `offset`, or nil. A match error other than "no match"
    /// (e.g. the match limit) also gives nil: for a parser both mean "not a call".
    public func firstMatch(in subject: UnsafeBufferPointer<UInt8>, from offset: Int = 0) -> Match? {
        guard let matchData = pcre2_match_data_create_from_pattern_8(code, nil) else { return nil }
        defer { pcre2_match_data_free_8(matchData) }
        // An empty buffer may have a nil base address; PCRE2 needs a valid pointer even for length 0.
        var empty: UInt8 = 0
        let base = subject.baseAddress ?? withUnsafePointer(to: &empty) { $0 }
        let result = jitted
            ? pcre2_jit_match_8(code, base, subject.count, offset, 0, matchData, nil)
            : pcre2_match_8(code, base, subject.count, offset, 0, matchData, nil)
        guard result > 0, let ovector = pcre2_get_ovector_pointer_8(matchData) else { return nil }
        let pairs = Int(pcre2_get_ovector_count_8(matchData))
        var groups: [Range<Int>?] = []
        groups.reserveCapacity(pairs)
        for i in 0..<pairs {
            let start = ovector[2 * i]
            let end = ovector[2 * i + 1]
            // PCRE2_UNSET (all bits set) reads as -1 through size_t → Int.
            groups.append(start < 0 || end < start ? nil : start..<end)
        }
        guard let whole = groups.first ?? nil else { return nil }
        return Match(range: whole, groups: groups, names: groupNames)
    }

    public func firstMatch(in subject: String) -> Match? {
        var subject = subject
        return subject.withUTF8 { firstMatch(in: $0) }
    }

    private static func message(for errorCode: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let length = buffer.withUnsafeMutableBufferPointer {
            pcre2_get_error_message_8(errorCode, $0.baseAddress, $0.count)
        }
        guard length > 0 else { return "PCRE2 error \(errorCode)" }
        return String(decoding: buffer[0..<Int(length)], as: UTF8.self)
    }

    /// Reads the name table: entries of `entrySize` bytes, a 2-byte big-endian group number then the name.
    private static func readGroupNames(_ code: OpaquePointer) -> [String: Int] {
        var count: UInt32 = 0
        var entrySize: UInt32 = 0
        var table: UnsafeMutableRawPointer?
        guard pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMECOUNT), &count) == 0, count > 0,
              pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMEENTRYSIZE), &entrySize) == 0,
              pcre2_pattern_info_8(code, UInt32(PCRE2_INFO_NAMETABLE), &table) == 0,
              let table
        else { return [:] }
        let bytes = table.assumingMemoryBound(to: UInt8.self)
        var names: [String: Int] = [:]
        for i in 0..<Int(count) {
            let entry = bytes + i * Int(entrySize)
            let number = Int(entry[0]) << 8 | Int(entry[1])
            var length = 0
            while length < Int(entrySize) - 2, entry[2 + length] != 0 { length += 1 }
            names[String(decoding: UnsafeBufferPointer(start: entry + 2, count: length), as: UTF8.self)] = number
        }
        return names
    }
}
