import JSON

/// Python literals and keyword calls as JSON values — what `ast.literal_eval` accepts, minus what JSON
/// cannot hold (bytes, sets, complex numbers) — and the way back (`repr`).
enum PythonLiteral {
    struct SyntaxError: Error, Equatable {
        let offset: Int
        let reason: String
    }

    /// The value of a whole text that is one literal, or nil.
    static func parse(_ text: String) -> JSONValue? {
        var text = text
        return text.withUTF8 { p -> JSONValue? in
            var reader = Reader(p, from: 0, to: p.count)
            guard let value = try? reader.value(), reader.atEnd() else { return nil }
            return value
        }
    }

    /// Reads literals and calls from `p[from..<end]`.
    struct Reader {
        let p: UnsafeBufferPointer<UInt8>
        var i: Int
        let end: Int
        private var depth = 0

        init(_ p: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) {
            self.p = p
            self.i = from
            self.end = end
        }

        mutating func skipSpace() { i = Bytes.skipWhitespace(p, from: i, to: end) }

        /// True when only whitespace is left.
        mutating func atEnd() -> Bool {
            skipSpace()
            return i == end
        }

        func fail(_ reason: String) -> SyntaxError { SyntaxError(offset: i, reason: reason) }

        mutating func expect(_ byte: UInt8) throws(SyntaxError) {
            skipSpace()
            guard i < end, p[i] == byte else { throw fail("expected '\(Character(Unicode.Scalar(byte)))'") }
            i += 1
        }

        mutating func peek() -> UInt8? {
            skipSpace()
            return i < end ? p[i] : nil
        }

        /// `name(key=value, …)`; positional arguments are not calls a tool can take.
        mutating func call() throws(SyntaxError) -> (name: String, arguments: JSONObject) {
            skipSpace()
            let nameStart = i
            while i < end, Bytes.isIdentifierByte(p[i]) || p[i] == UInt8(ascii: ".") { i += 1 }
            guard i > nameStart, Bytes.isIdentifierStart(p[nameStart]) else { throw fail("expected a function name") }
            let name = Bytes.string(p, nameStart..<i)
            try expect(UInt8(ascii: "("))
            var arguments = JSONObject()
            while true {
                guard let b = peek() else { throw fail("the call is cut off") }
                if b == UInt8(ascii: ")") {
                    i += 1
                    return (name, arguments)
                }
                let keyStart = i
                while i < end, Bytes.isIdentifierByte(p[i]) { i += 1 }
                guard i > keyStart, Bytes.isIdentifierStart(p[keyStart]), peek() == UInt8(ascii: "=") else {
                    i = keyStart
                    throw fail("expected a keyword argument")
                }
                let key = Bytes.string(p, keyStart..<i)
                i += 1
                arguments[key] = try value()
                guard let next = peek() else { throw fail("the call is cut off") }
                if next == UInt8(ascii: ",") { i += 1 } else if next != UInt8(ascii: ")") { throw fail("expected ',' or ')'") }
            }
        }

        mutating func value() throws(SyntaxError) -> JSONValue {
            guard let b = peek() else { throw fail("expected a value") }
            switch b {
            case UInt8(ascii: "'"), UInt8(ascii: "\""):
                return .string(try strings())
            case UInt8(ascii: "["):
                return .array(try sequence(close: UInt8(ascii: "]")))
            case UInt8(ascii: "("):
                return .array(try sequence(close: UInt8(ascii: ")")))
            case UInt8(ascii: "{"):
                return try dictionary()
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .number(try number())
            default:
                guard Bytes.isIdentifierStart(b) else { throw fail("expected a value") }
                let start = i
                while i < end, Bytes.isIdentifierByte(p[i]) { i += 1 }
                let word = Bytes.string(p, start..<i)
                switch word {
                case "True", "true": return .bool(true)
                case "False", "false": return .bool(false)
                case "None", "null": return .null
                default:
                    // A string prefix (r'…', u'…'); bytes and f-strings are not literals JSON can hold.
                    if i < end, p[i] == UInt8(ascii: "'") || p[i] == UInt8(ascii: "\""),
                       word.count <= 2, word.lowercased().allSatisfy({ $0 == "r" || $0 == "u" })
                    {
                        i = start
                        return .string(try strings())
                    }
                    i = start
                    throw fail("'\(word)' is not a literal")
                }
            }
        }

        private mutating func enter() throws(SyntaxError) {
            depth += 1
            if depth > 256 { throw fail("nesting too deep") }
        }

        private mutating func sequence(close: UInt8) throws(SyntaxError) -> [JSONValue] {
            try enter()
            defer { depth -= 1 }
            i += 1
            var elements: [JSONValue] = []
            while true {
                guard let b = peek() else { throw fail("the list is cut off") }
                if b == close {
                    i += 1
                    return elements
                }
                elements.append(try value())
                guard let next = peek() else { throw fail("the list is cut off") }
                if next == UInt8(ascii: ",") { i += 1 } else if next != close { throw fail("expected ',' or a closing bracket") }
            }
        }

        private mutating func dictionary() throws(SyntaxError) -> JSONValue {
            try enter()
            defer { depth -= 1 }
            i += 1
            var object = JSONObject()
            while true {
                guard let b = peek() else { throw fail("the dict is cut off") }
                if b == UInt8(ascii: "}") {
                    i += 1
                    return .object(object)
                }
                let key: String
                switch try value() {
                case .string(let s): key = s
                case .number(let n): key = n.literal
                case .bool(let v): key = v ? "true" : "false"
                case .null: key = "null"
                default: throw fail("a dict key must be a string or a number")
                }
                try expect(UInt8(ascii: ":"))
                object[key] = try value()
                guard let next = peek() else { throw fail("the dict is cut off") }
                if next == UInt8(ascii: ",") { i += 1 } else if next != UInt8(ascii: "}") { throw fail("expected ',' or '}'") }
            }
        }

        /// One or more adjacent string literals, concatenated as Python does.
        private mutating func strings() throws(SyntaxError) -> String {
            var bytes: [UInt8] = []
            repeat {
                try string(into: &bytes)
            } while startsString()
            return String(decoding: bytes, as: UTF8.self)
        }

        private mutating func startsString() -> Bool {
            guard let b = peek() else { return false }
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") { return true }
            if b | 0x20 == UInt8(ascii: "r") || b | 0x20 == UInt8(ascii: "u") {
                return i + 1 < end && (p[i + 1] == UInt8(ascii: "'") || p[i + 1] == UInt8(ascii: "\""))
            }
            return false
        }

        private mutating func string(into bytes: inout [UInt8]) throws(SyntaxError) {
            skipSpace()
            var raw = false
            while i < end, p[i] != UInt8(ascii: "'"), p[i] != UInt8(ascii: "\"") {
                if p[i] | 0x20 == UInt8(ascii: "r") { raw = true }
                i += 1
            }
            guard i < end else { throw fail("the string is cut off") }
            let quote = p[i]
            let triple = i + 2 < end && p[i + 1] == quote && p[i + 2] == quote
            i += triple ? 3 : 1
            while i < end {
                let b = p[i]
                if b == quote {
                    if !triple {
                        i += 1
                        return
                    }
                    if i + 2 < end, p[i + 1] == quote, p[i + 2] == quote {
                        i += 3
                        return
                    }
                }
                if b == UInt8(ascii: "\\") && i + 1 < end {
                    if raw {
                        bytes.append(b)
                        bytes.append(p[i + 1])
                        i += 2
                        continue
                    }
                    try escape(into: &bytes)
                    continue
                }
                if b == 0x0A && !triple { throw fail("a newline inside a one-line string") }
                bytes.append(b)
                i += 1
            }
            throw fail("the string is cut off")
        }

        private mutating func escape(into bytes: inout [UInt8]) throws(SyntaxError) {
            let e = p[i + 1]
            i += 2
            switch e {
            case 0x0A: return  // line continuation
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): bytes.append(e)
            case UInt8(ascii: "n"): bytes.append(0x0A)
            case UInt8(ascii: "t"): bytes.append(0x09)
            case UInt8(ascii: "r"): bytes.append(0x0D)
            case UInt8(ascii: "b"): bytes.append(0x08)
            case UInt8(ascii: "f"): bytes.append(0x0C)
            case UInt8(ascii: "v"): bytes.append(0x0B)
            case UInt8(ascii: "a"): bytes.append(0x07)
            case UInt8(ascii: "x"): try appendScalar(hexDigits: 2, into: &bytes)
            case UInt8(ascii: "u"): try appendScalar(hexDigits: 4, into: &bytes)
            case UInt8(ascii: "U"): try appendScalar(hexDigits: 8, into: &bytes)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var value = UInt32(e - UInt8(ascii: "0"))
                var count = 1
                while count < 3, i < end, p[i] >= UInt8(ascii: "0"), p[i] <= UInt8(ascii: "7") {
                    value = value * 8 + UInt32(p[i] - UInt8(ascii: "0"))
                    i += 1
                    count += 1
                }
                append(value, into: &bytes)
            default:
                // Python keeps unknown escapes as written.
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(e)
            }
        }

        private mutating func appendScalar(hexDigits: Int, into bytes: inout [UInt8]) throws(SyntaxError) {
            guard end - i >= hexDigits, let value = UInt32(Bytes.string(p, i..<(i + hexDigits)), radix: 16) else {
                throw fail("a bad \\x, \\u or \\U escape")
            }
            i += hexDigits
            append(value, into: &bytes)
        }

        private func append(_ value: UInt32, into bytes: inout [UInt8]) {
            UTF8.encode(Unicode.Scalar(value) ?? "\u{FFFD}") { bytes.append($0) }
        }

        private mutating func number() throws(SyntaxError) -> JSONNumber {
            let start = i
            if p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+") { i += 1 }
            while i < end, Bytes.isIdentifierByte(p[i]) || p[i] == UInt8(ascii: ".")
                || ((p[i] == UInt8(ascii: "-") || p[i] == UInt8(ascii: "+")) && p[i - 1] | 0x20 == UInt8(ascii: "e"))
            {
                i += 1
            }
            var text = Bytes.string(p, start..<i).filter { $0 != "_" }
            if text.hasPrefix("+") { text.removeFirst() }
            let negative = text.hasPrefix("-")
            let digits = negative ? String(text.dropFirst()) : text
            for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.lowercased().hasPrefix(prefix) {
                guard let value = Int64(digits.dropFirst(2), radix: radix) else { throw fail("a bad number") }
                return JSONNumber(negative ? -value : value)
            }
            if let literal = JSONNumber(literal: text) { return literal }
            guard let value = Double(text), value.isFinite,
                  text.allSatisfy({ "0123456789.eE+-".contains($0) }) else { throw fail("a bad number") }
            return JSONNumber(value)
        }
    }

    // MARK: - Writing

    /// Python's `repr` of the value `json.loads` gives (`True`, `None`, `'it\'s'`, `{'a': 1}`).
    static func repr(_ value: JSONValue) -> String {
        var out = ""
        write(value, to: &out)
        return out
    }

    /// `key=repr(value), …` for a call's keyword arguments.
    static func keywordArguments(_ object: JSONObject) -> String {
        var out = ""
        for (n, entry) in object.enumerated() {
            if n > 0 { out += ", " }
            out += entry.key
            out += "="
            write(entry.value, to: &out)
        }
        return out
    }

    private static func write(_ value: JSONValue, to out: inout String) {
        switch value {
        case .null: out += "None"
        case .bool(let b): out += b ? "True" : "False"
        case .number(let n): out += n.literal
        case .string(let s): out += quoted(s)
        case .array(let elements):
            out += "["
            for (n, element) in elements.enumerated() {
                if n > 0 { out += ", " }
                write(element, to: &out)
            }
            out += "]"
        case .object(let object):
            out += "{"
            for (n, entry) in object.enumerated() {
                if n > 0 { out += ", " }
                out += quoted(entry.key)
                out += ": "
                write(entry.value, to: &out)
            }
            out += "}"
        }
    }

    /// A Python string literal: single quotes unless the text has `'` and no `"` (as `repr` picks).
    static func quoted(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(scalar) == quote {
                    out += "\\"
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.append(quote)
        return out
    }
}
