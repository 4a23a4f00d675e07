/// Finds where a Python call list (`[f(a=1), g()]`) or a single call (`f(a=1)`) ends in bytes that
/// may arrive in pieces: brackets must balance and nest properly, string literals (single, double,
/// triple quoted, with backslash escapes) are skipped. Resumable like ``JSONExtentScanner``.
struct PythonExtentScanner: Sendable {
    typealias Status = JSONExtentScanner.Status

    private(set) var position: Int
    /// Closing brackets still expected, innermost last.
    private var closers: [UInt8] = []
    private var started = false
    private var quote: UInt8 = 0
    private var tripleQuoted = false
    private var escaped = false

    init(from position: Int) {
        self.position = position
    }

    mutating func scan(_ p: UnsafeBufferPointer<UInt8>, base: Int = 0, to end: Int, final: Bool) -> Status {
        var i = position - base
        let stop = end - base
        defer { position = i + base }
        while i < stop {
            let b = p[i]
            if quote != 0 {
                if escaped {
                    escaped = false
                } else if b == UInt8(ascii: "\\") {
                    escaped = true
                } else if b == quote {
                    if tripleQuoted {
                        guard i + 2 < stop || final else { return .needMore }
                        if i + 2 < stop, p[i + 1] == quote, p[i + 2] == quote {
                            quote = 0
                            i += 2
                        }
                    } else {
                        quote = 0
                    }
                }
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                guard started else { return .failed(at: i + base) }
                guard i + 2 < stop || final else { return .needMore }
                quote = b
                tripleQuoted = i + 2 < stop && p[i + 1] == b && p[i + 2] == b
                if tripleQuoted { i += 2 }
            case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
                started = true
                closers.append(b == UInt8(ascii: "(") ? UInt8(ascii: ")") : b + 2)
                guard closers.count <= 512 else { return .failed(at: i + base) }
            case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                guard let expected = closers.last, expected == b else { return .failed(at: i + base) }
                closers.removeLast()
                if closers.isEmpty {
                    i += 1
                    return .complete(end: i + base)
                }
            default:
                // Before the first bracket only a (dotted) function name may appear.
                if !started && !(Bytes.isIdentifierByte(b) || b == UInt8(ascii: ".") || Bytes.isWhitespace(b)) {
                    return .failed(at: i + base)
                }
            }
            i += 1
        }
        return .needMore
    }
}
