/// Splits a byte stream into lines (`\n`, with a `\r` before it dropped) across arbitrary chunk
/// boundaries. Lines wholly inside one chunk are handed out without copying.
struct LineSplitter {
    /// The start of a line whose end has not arrived yet.
    private(set) var pending: [UInt8] = []
    let maxLineLength: Int

    init(maxLineLength: Int = 16 << 20) {
        self.maxLineLength = maxLineLength
    }

    mutating func consume(
        _ bytes: UnsafeRawBufferPointer,
        line: (UnsafeBufferPointer<UInt8>) throws(BackendError) -> Void
    ) throws(BackendError) {
        let chunk = bytes.bindMemory(to: UInt8.self)
        var start = 0
        var index = 0
        while index < chunk.count {
            if chunk[index] == UInt8(ascii: "\n") {
                if pending.isEmpty {
                    try line(Self.trimmingCR(UnsafeBufferPointer(rebasing: chunk[start..<index])))
                } else {
                    pending.append(contentsOf: chunk[start..<index])
                    let whole = pending
                    pending.removeAll(keepingCapacity: true)
                    try whole.withUnsafeBufferPointer { buffer throws(BackendError) in
                        try line(Self.trimmingCR(buffer))
                    }
                }
                start = index + 1
            }
            index += 1
        }
        if start < chunk.count {
            pending.append(contentsOf: chunk[start...])
            if pending.count > maxLineLength {
                throw .invalidResponse(what: "a line longer than \(maxLineLength) bytes", excerpt: excerpt(pending))
            }
        }
    }

    /// The unterminated last line, if any (a body may end without a final newline).
    mutating func takeRest() -> [UInt8]? {
        guard !pending.isEmpty else { return nil }
        defer { pending = [] }
        return pending
    }

    private static func trimmingCR(_ line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        if let last = line.last, last == UInt8(ascii: "\r") {
            return UnsafeBufferPointer(rebasing: line[..<(line.count - 1)])
        }
        return line
    }
}

/// The first bytes of a payload as text for an error message (invalid UTF-8 shown as U+FFFD).
func excerpt<C: Collection>(_ bytes: C, limit: Int = 200) -> String where C.Element == UInt8 {
    let head = bytes.prefix(limit)
    let text = String(decoding: head, as: UTF8.self)
    return bytes.count > limit ? text + "…" : text
}
