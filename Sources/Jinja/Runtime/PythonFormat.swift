#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Python's `%` string formatting and `format()` spec mini-language.
enum PythonFormat {
    /// `format % args`. A tuple supplies positional arguments, a mapping `%(name)s` ones, anything else is one
    /// argument. With `escape` (Markup on the left) the arguments are HTML-escaped unless already Markup.
    static func percent(_ format: String, _ args: Value, escape: Bool) throws(JinjaError) -> String {
        let positional: [Value]
        var mapping: Value? = nil
        switch args {
        case .tuple(let t): positional = t
        case .dict, .jsonObject, .list, .jsonArray:
            positional = [args]
            mapping = args
        default: positional = [args]
        }
        var next = 0
        var usedMapping = false
        func nextArgument() throws(JinjaError) -> Value {
            guard next < positional.count else {
                throw JinjaError(.type, "not enough arguments for format string")
            }
            defer { next += 1 }
            return positional[next]
        }
        var out = ""
        let chars = Array(format.unicodeScalars)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c == "%" else {
                out.unicodeScalars.append(c)
                i += 1
                continue
            }
            i += 1
            guard i < chars.count else { throw JinjaError(.value, "incomplete format") }
            var argument: Value? = nil
            if chars[i] == "(" {
                var depth = 1
                var j = i + 1
                var key = ""
                while j < chars.count {
                    if chars[j] == "(" { depth += 1 }
                    if chars[j] == ")" { depth -= 1; if depth == 0 { break } }
                    key.unicodeScalars.append(chars[j])
                    j += 1
                }
                guard j < chars.count else { throw JinjaError(.value, "incomplete format key") }
                guard let mapping, mapping.isMapping else { throw JinjaError(.type, "format requires a mapping") }
                guard let value = mapping.mappingEntries?.first(where: { $0.key.pythonEquals(.string(key)) })?.value else {
                    throw JinjaError(.type, "KeyError: \(PythonRepr.string(key))")
                }
                argument = value
                usedMapping = true
                i = j + 1
            }
            var spec = Spec()
            while i < chars.count, "-+ #0".unicodeScalars.contains(chars[i]) {
                switch chars[i] {
                case "-": spec.leftAlign = true
                case "+": spec.sign = "+"
                case " ": if spec.sign == nil { spec.sign = " " }
                case "#": spec.alternate = true
                default: spec.zeroPad = true
                }
                i += 1
            }
            if i < chars.count && chars[i] == "*" {
                guard let w = Slicing.integerIndex(try nextArgument()) else { throw JinjaError(.type, "* wants int") }
                spec.width = abs(w)
                if w < 0 { spec.leftAlign = true }
                i += 1
            } else {
                while i < chars.count, let d = digit(chars[i]) { spec.width = (spec.width ?? 0) * 10 + d; i += 1 }
            }
            if i < chars.count && chars[i] == "." {
                i += 1
                spec.precision = 0
                if i < chars.count && chars[i] == "*" {
                    guard let p = Slicing.integerIndex(try nextArgument()) else { throw JinjaError(.type, "* wants int") }
                    spec.precision = max(0, p)
                    i += 1
                } else {
                    while i < chars.count, let d = digit(chars[i]) { spec.precision = (spec.precision ?? 0) * 10 + d; i += 1 }
                }
            }
            while i < chars.count, "hlL".unicodeScalars.contains(chars[i]) { i += 1 }
            guard i < chars.count else { throw JinjaError(.value, "incomplete format") }
            let type = chars[i]
            i += 1
            if type == "%" {
                out += "%"
                continue
            }
            let value: Value
            if let argument { value = argument } else { value = try nextArgument() }
            var text = try convert(value, type: type, spec: spec)
            if escape && "sra".unicodeScalars.contains(type) && !(type == "s" && value.isMarkup) {
                text = PythonRepr.htmlEscape(text)
            }
            out += pad(text, spec: spec, numeric: !"srac".unicodeScalars.contains(type))
        }
        if !usedMapping && mapping == nil && next < positional.count {
            throw JinjaError(.type, "not all arguments converted during string formatting")
        }
        return out
    }

    private static func digit(_ c: Unicode.Scalar) -> Int? {
        c.value >= 0x30 && c.value <= 0x39 ? Int(c.value - 0x30) : nil
    }

    struct Spec {
        var leftAlign = false
        var sign: Character? = nil
        var alternate = false
        var zeroPad = false
        var width: Int? = nil
        var precision: Int? = nil
    }

    private static func convert(_ value: Value, type: Unicode.Scalar, spec: Spec) throws(JinjaError) -> String {
        switch type {
        case "s":
            let s = try value.str()
            if let p = spec.precision { return String(scalars: s.unicodeScalars.prefix(p)) }
            return s
        case "r", "a":
            let s = try value.repr()
            if let p = spec.precision { return String(scalars: s.unicodeScalars.prefix(p)) }
            return s
        case "c":
            if let i = Slicing.integerIndex(value), let scalar = Unicode.Scalar(UInt32(clamping: max(0, i))) {
                return String(scalar)
            }
            if let s = value.stringValue, s.unicodeScalars.count == 1 { return s }
            throw JinjaError(.type, "%c requires int or char")
        case "d", "i", "u":
            guard let n = value.number else {
                throw JinjaError(.type, "%\(type) format: a real number is required, not \(value.typeName)")
            }
            let integer: Int
            switch n {
            case .int(let i): integer = i
            case .float(let d):
                guard d.isFinite else { throw JinjaError(.overflow, "cannot convert float infinity to integer") }
                integer = Int(d.rounded(.towardZero))
            }
            return signed(String(integer.magnitude), negative: integer < 0, spec: spec)
        case "x", "X", "o":
            guard let i = Slicing.integerIndex(value) else {
                throw JinjaError(.type, "%\(type) format: an integer is required, not \(value.typeName)")
            }
            var digits = String(i.magnitude, radix: type == "o" ? 8 : 16, uppercase: type == "X")
            if spec.alternate { digits = (type == "o" ? "0o" : type == "x" ? "0x" : "0X") + digits }
            return signed(digits, negative: i < 0, spec: spec)
        case "e", "E", "f", "F", "g", "G":
            guard let n = value.number else {
                throw JinjaError(.type, "must be real number, not \(value.typeName)")
            }
            let d = n.double
            let precision = spec.precision ?? 6
            let text = cFormat("%\(spec.alternate ? "#" : "").\(precision)\(Character(type))", d.magnitude)
            return signed(text, negative: d.sign == .minus && !d.isNaN, spec: spec)
        default:
            throw JinjaError(.value, "unsupported format character '\(Character(type))' (0x\(String(type.value, radix: 16)))")
        }
    }

    private static func signed(_ digits: String, negative: Bool, spec: Spec) -> String {
        if negative { return "-" + digits }
        if let sign = spec.sign { return String(sign) + digits }
        return digits
    }

    private static func pad(_ text: String, spec: Spec, numeric: Bool) -> String {
        guard let width = spec.width else { return text }
        let count = text.unicodeScalars.count
        guard count < width else { return text }
        let fill = width - count
        if spec.leftAlign { return text + String(repeating: " ", count: fill) }
        if spec.zeroPad && numeric {
            var body = Substring(text)
            var prefix = ""
            if let first = body.first, first == "-" || first == "+" || first == " " {
                prefix = String(first)
                body = body.dropFirst()
            }
            if body.hasPrefix("0x") || body.hasPrefix("0X") || body.hasPrefix("0o") {
                prefix += body.prefix(2)
                body = body.dropFirst(2)
            }
            return prefix + String(repeating: "0", count: fill) + body
        }
        return String(repeating: " ", count: fill) + text
    }

    /// C's printf for one double (what Python's float formatting produces for e/f/g).
    static func cFormat(_ format: String, _ value: Double) -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        let written = withVaList([value]) { args in
            buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, 512, format, args) }
        }
        if written >= 512 {
            buffer = [CChar](repeating: 0, count: Int(written) + 1)
            _ = withVaList([value]) { args in
                buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, Int(written) + 1, format, args) }
            }
        }
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
