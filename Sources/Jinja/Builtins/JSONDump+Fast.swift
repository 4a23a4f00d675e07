import JSON

extension JSONDump {
    /// Byte-level writing of request JSON for `tojson` (no ensure_ascii, no sort_keys): strings are copied in
    /// runs between escapes, and number literals that already read as Python's repr (nearly all) as written.
    struct Writer {
        let indent: [UInt8]?
        let itemSeparatorBytes: [UInt8]
        let keySeparatorBytes: [UInt8]

        let itemSeparatorPacked: (word: UInt64, length: Int)?
        let keySeparatorPacked: (word: UInt64, length: Int)?

        /// `json.dumps` defaults: `", "` and `": "`, one line.
        static let standard = Writer(JSONDump())

        init(_ dump: JSONDump) {
            indent = dump.indent.map { Array($0.utf8) }
            itemSeparatorBytes = Array(dump.itemSeparator.utf8)
            keySeparatorBytes = Array(dump.keySeparator.utf8)
            itemSeparatorPacked = ByteBuffer.pack(itemSeparatorBytes)
            keySeparatorPacked = ByteBuffer.pack(keySeparatorBytes)
        }

        @inline(__always)
        func appendItemSeparator(_ out: inout ByteBuffer) {
            if let (word, length) = itemSeparatorPacked {
                out.append(packed: word, length: length)
            } else {
                out.append(itemSeparatorBytes)
            }
        }

        @inline(__always)
        func appendKeySeparator(_ out: inout ByteBuffer) {
            if let (word, length) = keySeparatorPacked {
                out.append(packed: word, length: length)
            } else {
                appendKeySeparator(&out)
            }
        }

        func writeFast(json: JSONValue, to out: inout ByteBuffer, level: Int) throws(JinjaError) {
            guard write(json, to: &out, level: level) else {
                throw JinjaError(.recursion, "maximum recursion depth exceeded while encoding a JSON object")
            }
        }

        /// Writes `json`; false when nesting goes past the depth limit (nothing else can fail).
        private func write(_ json: JSONValue, to out: inout ByteBuffer, level: Int) -> Bool {
            switch json {
            case .string(let s):
                Writer.appendQuoted(s, to: &out)
            case .number(let n):
                Writer.appendNumber(n, to: &out)
            case .bool(let b):
                out.append(b ? "true" : "false")
            case .null:
                out.append("null")
            case .array(let elements):
                guard level < Value.maxReprDepth, level & 15 != 15 || StackGuard.hasRoom() else { return false }
                out.append(UInt8(ascii: "["))
                guard !elements.isEmpty else {
                    out.append(UInt8(ascii: "]"))
                    return true
                }
                for i in elements.indices {
                    if i > 0 { appendItemSeparator(&out) }
                    writeIndent(&out, level: level + 1)
                    guard write(elements[i], to: &out, level: level + 1) else { return false }
                }
                writeIndent(&out, level: level)
                out.append(UInt8(ascii: "]"))
            case .object(let object):
                guard level < Value.maxReprDepth, level & 15 != 15 || StackGuard.hasRoom() else { return false }
                out.append(UInt8(ascii: "{"))
                let entries = object.entries
                guard !entries.isEmpty else {
                    out.append(UInt8(ascii: "}"))
                    return true
                }
                for i in entries.indices {
                    if i > 0 { appendItemSeparator(&out) }
                    writeIndent(&out, level: level + 1)
                    Writer.appendQuoted(entries[i].key, to: &out)
                    appendKeySeparator(&out)
                    guard write(entries[i].value, to: &out, level: level + 1) else { return false }
                }
                writeIndent(&out, level: level)
                out.append(UInt8(ascii: "}"))
            }
            return true
        }

        @inline(__always)
        func writeIndent(_ out: inout ByteBuffer, level: Int) {
            guard let indent else { return }
            out.append(UInt8(ascii: "\n"))
            for _ in 0..<level { out.append(indent) }
        }


        /// A JSON string literal without ensure_ascii: only `"`, `\` and control characters are escaped.
        static func appendQuoted(_ s: borrowing String, to out: inout ByteBuffer) {
            let done: Void? = s.utf8.withContiguousStorageIfAvailable { appendQuoted(bytes: $0, to: &out) }
            if done == nil {
                var contiguous = copy s
                contiguous.withUTF8 { appendQuoted(bytes: $0, to: &out) }
            }
        }

        /// Copies clean 16-byte blocks while checking them, then finishes the rest (escaping if needed).
        @inline(__always)
        static func appendQuoted(bytes: UnsafeBufferPointer<UInt8>, to out: inout ByteBuffer) {
            guard let source = bytes.baseAddress else {
                out.append(UInt8(ascii: "\""))
                out.append(UInt8(ascii: "\""))
                return
            }
            let n = bytes.count
            out.reserve(n + 2)
            out.appendUnchecked(UInt8(ascii: "\""))
            var copied = 0
            if n >= 16 {
                out.writeTail { target in
                    var i = 0
                    while i &+ 16 <= n {
                        let from = UnsafeRawPointer(source + i)
                        let low = from.loadUnaligned(as: UInt64.self)
                        let high = from.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
                        if escapeMask(low) | escapeMask(high) != 0 { break }
                        target.storeBytes(of: low, toByteOffset: i, as: UInt64.self)
                        target.storeBytes(of: high, toByteOffset: i &+ 8, as: UInt64.self)
                        i &+= 16
                    }
                    copied = i
                    return i
                }
            }
            let rest = UnsafeBufferPointer(rebasing: bytes[copied...])
            if containsEscapes(rest) {
                appendEscaped(rest, to: &out)
            } else {
                out.appendUnchecked(rest)
            }
            out.append(UInt8(ascii: "\""))
        }

        @inline(__always)
        static func containsEscapes(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            guard let base = bytes.baseAddress else { return false }
            let n = bytes.count
            var i = 0
            while i &+ 16 <= n {
                let p = UnsafeRawPointer(base + i)
                if escapeMask(p.loadUnaligned(as: UInt64.self))
                    | escapeMask(p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) != 0 { return true }
                i &+= 16
            }
            while i &+ 8 <= n {
                if escapeMask(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)) != 0 { return true }
                i &+= 8
            }
            while i < n {
                let b = base[i]
                if b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { return true }
                i &+= 1
            }
            return false
        }

        private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

        /// Copies `bytes`, escaping what JSON must; clean runs are found eight bytes at a time.
        @inline(__always)
        static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout ByteBuffer) {
            guard let base = bytes.baseAddress else { return }
            let count = bytes.count
            var runStart = 0
            var i = 0
            while i < count {
                if i + 8 <= count {
                    let word = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                    if !needsEscape(word) {
                        i += 8
                        continue
                    }
                }
                let b = base[i]
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else {
                    i += 1
                    continue
                }
                if i > runStart { out.append(base + runStart, count: i - runStart) }
                out.append(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(UInt8(ascii: "u"))
                    out.append(UInt8(ascii: "0"))
                    out.append(UInt8(ascii: "0"))
                    out.append(hexDigits[Int(b >> 4)])
                    out.append(hexDigits[Int(b & 0xF)])
                }
                i += 1
                runStart = i
            }
            if count > runStart { out.append(base + runStart, count: count - runStart) }
        }

        /// Nonzero when one of the eight bytes is a control character, `"` or `\`. SWAR: `x - 0x20…` borrows
        /// into the high bit of a byte below 0x20, `(x ^ c) - 0x01…` of a byte equal to c; masking with `~x`
        /// drops bytes ≥ 0x80. Borrows can only spread past a byte that matched, so "any" is exact.
        @inline(__always)
        static func escapeMask(_ x: UInt64) -> UInt64 {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let quote = x ^ (ones &* 0x22)
            let backslash = x ^ (ones &* 0x5C)
            return ((x &- ones &* 0x20) | (quote &- ones) | (backslash &- ones)) & ~x & 0x8080_8080_8080_8080
        }

        @inline(__always)
        static func needsEscape(_ word: UInt64) -> Bool { escapeMask(word) != 0 }

        static func appendNumber(_ n: JSONNumber, to out: inout ByteBuffer) {
            out.append(isPythonRepr(n.literal, isInteger: n.isInteger) ? n.literal : n.pythonRepr)
        }

        /// True when Python would print the value of this JSON number literal exactly as written: integers without
        /// a `-0`, and fixed-notation floats with at most 15 significant digits, no superfluous zeros, and a
        /// magnitude Python prints in fixed notation (1e-4 ≤ |x| < 1e16).
        static func isPythonRepr(_ literal: String, isInteger: Bool) -> Bool {
            if isInteger { return literal != "-0" }
            var copy = literal
            return copy.withUTF8 { b -> Bool in
                var i = 0
                if i < b.count && b[i] == UInt8(ascii: "-") { i += 1 }
                let intStart = i
                while i < b.count && PythonText.isDigit(b[i]) { i += 1 }
                let intDigits = i - intStart
                guard intDigits > 0, i < b.count, b[i] == UInt8(ascii: "."), intDigits <= 16 else { return false }
                if intDigits > 1 && b[intStart] == UInt8(ascii: "0") { return false }
                i += 1
                let fracStart = i
                while i < b.count && PythonText.isDigit(b[i]) { i += 1 }
                let fracDigits = i - fracStart
                guard i == b.count, fracDigits > 0 else { return false }
                // "x.0" is how Python writes integral floats; otherwise no trailing zero.
                if b[b.count - 1] == UInt8(ascii: "0") && !(fracDigits == 1 && intDigits > 0) { return false }
                let integralZero = intDigits == 1 && b[intStart] == UInt8(ascii: "0")
                var significant: Int
                if integralZero {
                    var leadingZeros = 0
                    while fracStart + leadingZeros < b.count && b[fracStart + leadingZeros] == UInt8(ascii: "0") {
                        leadingZeros += 1
                    }
                    if fracStart + leadingZeros == b.count { return true }  // 0.0
                    guard leadingZeros < 4 else { return false }
                    significant = fracDigits - leadingZeros
                } else {
                    significant = intDigits + (fracDigits == 1 && b[fracStart] == UInt8(ascii: "0") ? 0 : fracDigits)
                }
                return significant <= 15
            }
        }

    }
}
