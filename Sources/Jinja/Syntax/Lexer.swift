/// Splits a template into tokens exactly as jinja2's lexer does in transformers' environment:
/// `trim_blocks` and `lstrip_blocks` on, `keep_trailing_newline` off, `{%-`/`-%}`/`{%+`/`+%}` whitespace control,
/// `{% raw %}` blocks, comments dropped.
struct Lexer {
    /// The source with `\r\n` and `\r` turned into `\n` and one trailing newline dropped, as jinja2 does first.
    let source: [UInt8]
    private var tokens: [Token] = []
    private var pos = 0
    /// True when the last thing consumed ended with a newline (jinja2's `line_starting`, used by lstrip_blocks).
    private var lineStarting = true

    init(source text: String) {
        source = Lexer.normalizeNewlines(text)
    }

    static func normalizeNewlines(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        var pendingCR = false
        while let b = iterator.next() {
            if pendingCR {
                pendingCR = false
                out.append(UInt8(ascii: "\n"))
                if b == UInt8(ascii: "\n") { continue }
            }
            if b == UInt8(ascii: "\r") { pendingCR = true } else { out.append(b) }
        }
        if pendingCR { out.append(UInt8(ascii: "\n")) }
        if out.last == UInt8(ascii: "\n") { out.removeLast() }
        return out
    }

    mutating func tokenize() throws(JinjaError) -> [Token] {
        let n = source.count
        while pos < n {
            guard let tagStart = nextTagStart(from: pos) else {
                emitText(from: pos, to: n, strip: nil, isVariable: false)
                pos = n
                break
            }
            let kindByte = source[tagStart + 1]
            var afterDelimiter = tagStart + 2
            var sign: UInt8? = nil
            if afterDelimiter < n && (source[afterDelimiter] == UInt8(ascii: "-") || source[afterDelimiter] == UInt8(ascii: "+")) {
                sign = source[afterDelimiter]
                afterDelimiter += 1
            }
            if kindByte == UInt8(ascii: "%"), let rawEnd = matchRawBegin(at: afterDelimiter) {
                emitText(from: pos, to: tagStart, strip: sign, isVariable: false)
                pos = rawEnd
                lineStarting = source[pos - 1] == UInt8(ascii: "\n")
                try lexRaw(startedAt: tagStart)
                continue
            }
            emitText(from: pos, to: tagStart, strip: sign, isVariable: kindByte == UInt8(ascii: "{"))
            pos = afterDelimiter
            switch kindByte {
            case UInt8(ascii: "#"):
                try skipComment(startedAt: tagStart)
            case UInt8(ascii: "%"):
                tokens.append(Token(.blockBegin, offset: tagStart))
                try lexTag(isBlock: true)
            default:
                tokens.append(Token(.variableBegin, offset: tagStart))
                try lexTag(isBlock: false)
            }
            lineStarting = pos > 0 && source[pos - 1] == UInt8(ascii: "\n")
        }
        tokens.append(Token(.eof, offset: n))
        return tokens
    }

    private func nextTagStart(from start: Int) -> Int? {
        var i = start
        let n = source.count
        while i + 1 < n {
            if source[i] == UInt8(ascii: "{") {
                let next = source[i + 1]
                if next == UInt8(ascii: "{") || next == UInt8(ascii: "%") || next == UInt8(ascii: "#") { return i }
            }
            i += 1
        }
        return nil
    }

    /// Appends template text, applying `-` stripping or lstrip_blocks for the tag that follows it.
    private mutating func emitText(from start: Int, to end: Int, strip sign: UInt8?, isVariable: Bool) {
        var end = end
        if sign == UInt8(ascii: "-") {
            end = PythonText.rstripWhitespace(source, from: start, to: end)
        } else if sign != UInt8(ascii: "+") && !isVariable {
            var lineBegin = start
            var i = end
            while i > start {
                if source[i - 1] == UInt8(ascii: "\n") {
                    lineBegin = i
                    break
                }
                i -= 1
            }
            if (lineBegin > start || lineStarting) && lineBegin < end
                && PythonText.isAllWhitespace(source, from: lineBegin, to: end)
            {
                end = lineBegin
            }
        }
        if end > start {
            tokens.append(Token(.text, text: String(decoding: source[start..<end], as: UTF8.self), offset: start))
        }
    }

    /// Matches `\s*raw\s*(-%}\s*|%})` at `i`; returns the offset after it.
    private func matchRawBegin(at i: Int) -> Int? {
        var j = PythonText.skipWhitespace(source, from: i)
        guard hasPrefix("raw", at: j) else { return nil }
        j = PythonText.skipWhitespace(source, from: j + 3)
        if hasPrefix("-%}", at: j) { return PythonText.skipWhitespace(source, from: j + 3) }
        if hasPrefix("%}", at: j) { return j + 2 }
        return nil
    }

    private mutating func lexRaw(startedAt tagStart: Int) throws(JinjaError) {
        var i = pos
        let n = source.count
        while i + 1 < n {
            if source[i] == UInt8(ascii: "{") && source[i + 1] == UInt8(ascii: "%") {
                var j = i + 2
                var sign: UInt8? = nil
                if j < n && (source[j] == UInt8(ascii: "-") || source[j] == UInt8(ascii: "+")) {
                    sign = source[j]
                    j += 1
                }
                j = PythonText.skipWhitespace(source, from: j)
                if hasPrefix("endraw", at: j) {
                    j = PythonText.skipWhitespace(source, from: j + 6)
                    if let end = matchBlockEnd(at: j) {
                        emitText(from: pos, to: i, strip: sign, isVariable: false)
                        pos = end
                        lineStarting = source[pos - 1] == UInt8(ascii: "\n")
                        return
                    }
                }
            }
            i += 1
        }
        throw JinjaError(.syntax, "Missing end of raw directive", offset: tagStart)
    }

    /// Matches `+%}`, `-%}\s*` or `%}\n?` (trim_blocks) at `j`; returns the offset after it.
    private func matchBlockEnd(at j: Int) -> Int? {
        if hasPrefix("+%}", at: j) { return j + 3 }
        if hasPrefix("-%}", at: j) { return PythonText.skipWhitespace(source, from: j + 3) }
        if hasPrefix("%}", at: j) {
            return j + 2 < source.count && source[j + 2] == UInt8(ascii: "\n") ? j + 3 : j + 2
        }
        return nil
    }

    private mutating func skipComment(startedAt tagStart: Int) throws(JinjaError) {
        var j = pos
        let n = source.count
        while j < n {
            if hasPrefix("+#}", at: j) {
                pos = j + 3
                return
            }
            if hasPrefix("-#}", at: j) {
                pos = PythonText.skipWhitespace(source, from: j + 3)
                return
            }
            if hasPrefix("#}", at: j) {
                pos = j + 2 < n && source[j + 2] == UInt8(ascii: "\n") ? j + 3 : j + 2
                return
            }
            j += 1
        }
        throw JinjaError(.syntax, "Missing end of comment tag", offset: tagStart)
    }

    private func hasPrefix(_ literal: StaticString, at i: Int) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard i + count <= source.count else { return false }
        let base = literal.utf8Start
        for k in 0..<count where source[i + k] != base[k] { return false }
        return true
    }

    /// Lexes the inside of `{% … %}` or `{{ … }}` up to and including its end delimiter.
    private mutating func lexTag(isBlock: Bool) throws(JinjaError) {
        var balance: [UInt8] = []
        let n = source.count
        while pos < n {
            if balance.isEmpty {
                if isBlock {
                    if let end = matchBlockEnd(at: pos) {
                        tokens.append(Token(.blockEnd, offset: pos))
                        pos = end
                        return
                    }
                } else if hasPrefix("-}}", at: pos) {
                    tokens.append(Token(.variableEnd, offset: pos))
                    pos = PythonText.skipWhitespace(source, from: pos + 3)
                    return
                } else if hasPrefix("}}", at: pos) {
                    tokens.append(Token(.variableEnd, offset: pos))
                    pos += 2
                    return
                }
            }
            let b = source[pos]
            let skipped = PythonText.skipWhitespace(source, from: pos)
            if skipped > pos {
                pos = skipped
                continue
            }
            if PythonText.isDigit(b) {
                try lexNumber()
                continue
            }
            if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") {
                if try lexString() { continue }
            }
            if let nameEnd = PythonText.identifierEnd(source, from: pos) {
                tokens.append(Token(.name, text: String(decoding: source[pos..<nameEnd], as: UTF8.self), offset: pos))
                pos = nameEnd
                continue
            }
            guard let (op, length) = matchOperator(at: pos) else {
                let scalar = PythonText.scalar(source, at: pos)
                throw JinjaError(.syntax, "unexpected char \(PythonRepr.string(String(scalar))) at \(pos)", offset: pos)
            }
            switch op {
            case .lbrace: balance.append(UInt8(ascii: "}"))
            case .lparen: balance.append(UInt8(ascii: ")"))
            case .lbracket: balance.append(UInt8(ascii: "]"))
            case .rbrace, .rparen, .rbracket:
                let closing = source[pos]
                guard let expected = balance.popLast() else {
                    throw JinjaError(.syntax, "unexpected '\(op.rawValue)'", offset: pos)
                }
                if expected != closing {
                    throw JinjaError(.syntax, "unexpected '\(op.rawValue)', expected '\(Character(Unicode.Scalar(expected)))'",
                                     offset: pos)
                }
            default: break
            }
            tokens.append(Token(.op(op), offset: pos))
            pos += length
        }
    }

    private func matchOperator(at i: Int) -> (Token.Operator, Int)? {
        if i + 1 < source.count {
            let pair = String(decoding: source[i..<i + 2], as: UTF8.self)
            if let op = Token.Operator(rawValue: pair) { return (op, 2) }
        }
        if let op = Token.Operator(rawValue: String(Character(Unicode.Scalar(source[i])))) { return (op, 1) }
        return nil
    }

    /// Integer (decimal, 0b, 0o, 0x, `_` separators) or float literal, as jinja2's regexes read them.
    private mutating func lexNumber() throws(JinjaError) {
        let start = pos
        let n = source.count
        func digits(from i: Int, _ accept: (UInt8) -> Bool) -> Int {
            // (_?d)+ after a prefix, or (d+_)*d+ runs: digits with single underscores between them.
            var j = i
            while j < n {
                if accept(source[j]) {
                    j += 1
                } else if source[j] == UInt8(ascii: "_") && j + 1 < n && accept(source[j + 1]) && j > i {
                    j += 1
                } else {
                    break
                }
            }
            return j
        }
        // Float: digits, then `.digits` and/or an exponent (never right after a `.`, e.g. `x.0.1`).
        let precededByDot = start > 0 && source[start - 1] == UInt8(ascii: ".")
        if !precededByDot {
            let intEnd = digits(from: start, PythonText.isDigit)
            var j = intEnd
            var isFloat = false
            if j + 1 < n && source[j] == UInt8(ascii: ".") && PythonText.isDigit(source[j + 1]) {
                j = digits(from: j + 1, PythonText.isDigit)
                isFloat = true
            }
            if j < n && (source[j] == UInt8(ascii: "e") || source[j] == UInt8(ascii: "E")) {
                var k = j + 1
                if k < n && (source[k] == UInt8(ascii: "+") || source[k] == UInt8(ascii: "-")) { k += 1 }
                if k < n && PythonText.isDigit(source[k]) {
                    j = digits(from: k, PythonText.isDigit)
                    isFloat = true
                }
            }
            if isFloat {
                let literal = String(decoding: source[start..<j].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
                tokens.append(Token(.float, number: .float(Double(literal) ?? .infinity), offset: start))
                pos = j
                return
            }
        }
        // Integer.
        var radix = 10
        var bodyStart = start
        if source[start] == UInt8(ascii: "0") && start + 1 < n {
            switch source[start + 1] | 0x20 {
            case UInt8(ascii: "b"): radix = 2
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "x"): radix = 16
            default: break
            }
        }
        var end: Int
        if radix != 10 {
            bodyStart = start + 2
            let accept: (UInt8) -> Bool = { b in
                switch radix {
                case 2: return b == UInt8(ascii: "0") || b == UInt8(ascii: "1")
                case 8: return b >= UInt8(ascii: "0") && b <= UInt8(ascii: "7")
                default: return PythonText.isDigit(b) || (b | 0x20 >= UInt8(ascii: "a") && b | 0x20 <= UInt8(ascii: "f"))
                }
            }
            // jinja2 allows one `_` right after the prefix too: 0x_ff.
            var j = bodyStart
            if j < n && source[j] == UInt8(ascii: "_") { j += 1 }
            end = digits(from: j, accept)
            if end == j {
                // `0x` without digits: just the integer 0, then a name.
                radix = 10
                bodyStart = start
                end = start + 1
            }
        } else if source[start] == UInt8(ascii: "0") {
            end = digits(from: start, { $0 == UInt8(ascii: "0") })
        } else {
            end = digits(from: start, PythonText.isDigit)
        }
        let body = String(decoding: source[bodyStart..<end].filter { $0 != UInt8(ascii: "_") }, as: UTF8.self)
        let value: Value
        if let int = Int(body, radix: radix) {
            value = .int(int)
        } else if radix == 10 {
            value = .bigInt(body)
        } else {
            throw JinjaError(.overflow, "integer literal too large", offset: start)
        }
        tokens.append(Token(.integer, number: value, offset: start))
        pos = end
    }

    /// A quoted string literal with Python escapes; false when the quote is never closed (not a string then).
    private mutating func lexString() throws(JinjaError) -> Bool {
        let quote = source[pos]
        var j = pos + 1
        let n = source.count
        while j < n && source[j] != quote {
            if source[j] == UInt8(ascii: "\\") { j += 1 }
            j += 1
        }
        guard j < n else { return false }
        let body = String(decoding: source[(pos + 1)..<j], as: UTF8.self)
        let decoded = try PythonText.unescapeStringLiteral(body, offset: pos)
        tokens.append(Token(.string, text: decoded, offset: pos))
        pos = j + 1
        return true
    }
}
