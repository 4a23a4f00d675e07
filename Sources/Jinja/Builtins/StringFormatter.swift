/// Python's `str.format` (as jinja2's sandboxed formatter runs it) and the `format()` spec mini-language.
enum StringFormatter {
    static func format(_ template: String, _ args: Arguments, _ r: Renderer, escape: Bool) throws(JinjaError) -> String {
        var out = ""
        let chars = Array(template.unicodeScalars)
        var i = 0
        var autoIndex = 0
        var usedManual = false
        var usedAuto = false
        while i < chars.count {
            let c = chars[i]
            if c == "}" {
                guard i + 1 < chars.count, chars[i + 1] == "}" else {
                    throw JinjaError(.value, "Single '}' encountered in format string")
                }
                out += "}"
                i += 2
                continue
            }
            guard c == "{" else {
                out.unicodeScalars.append(c)
                i += 1
                continue
            }
            if i + 1 < chars.count && chars[i + 1] == "{" {
                out += "{"
                i += 2
                continue
            }
            // Read the field up to the matching '}' (specs may nest one level of {}).
            var depth = 1
            var j = i + 1
            var field = ""
            while j < chars.count {
                if chars[j] == "{" { depth += 1 }
                if chars[j] == "}" {
                    depth -= 1
                    if depth == 0 { break }
                }
                field.unicodeScalars.append(chars[j])
                j += 1
            }
            guard j < chars.count else { throw JinjaError(.value, "Single '{' encountered in format string") }
            i = j + 1
            var name = field
            var conversion: Character? = nil
            var spec = ""
            if let colon = field.firstIndex(of: ":") {
                name = String(field[..<colon])
                spec = String(field[field.index(after: colon)...])
            }
            if let bang = name.firstIndex(of: "!") {
                let conv = name[name.index(after: bang)...]
                guard conv.count == 1, let first = conv.first, "rsa".contains(first) else {
                    throw JinjaError(.value, "Unknown conversion specifier \(conv)")
                }
                conversion = first
                name = String(name[..<bang])
            }
            if spec.contains("{") {
                spec = try format(spec, args, r, escape: false)
            }
            // First part of the name: index or keyword; then .attr / [key] chains.
            var rest = Substring(name)
            var head = ""
            while let ch = rest.first, ch != "." && ch != "[" {
                head.append(ch)
                rest = rest.dropFirst()
            }
            var value: Value
            if head.isEmpty {
                guard !usedManual else {
                    throw JinjaError(.value, "cannot switch from manual field specification to automatic field numbering")
                }
                usedAuto = true
                guard autoIndex < args.positional.count else {
                    throw JinjaError(.index, "tuple index out of range")
                }
                value = args.positional[autoIndex]
                autoIndex += 1
            } else if let index = Int(head) {
                guard !usedAuto else {
                    throw JinjaError(.value, "cannot switch from automatic field numbering to manual field specification")
                }
                usedManual = true
                guard index < args.positional.count else {
                    throw JinjaError(.index, "tuple index out of range")
                }
                value = args.positional[index]
            } else {
                guard let v = args.keyword(head) else { throw JinjaError(.key, PythonRepr.string(head)) }
                value = v
            }
            while let ch = rest.first {
                rest = rest.dropFirst()
                var key = ""
                if ch == "." {
                    while let k = rest.first, k != "." && k != "[" {
                        key.append(k)
                        rest = rest.dropFirst()
                    }
                    value = try r.attribute(of: value, key)
                } else {
                    while let k = rest.first, k != "]" {
                        key.append(k)
                        rest = rest.dropFirst()
                    }
                    rest = rest.dropFirst()
                    value = try r.item(of: value, Int(key).map(Value.int) ?? .string(key))
                }
            }
            switch conversion {
            case "r": value = .string(try value.repr())
            case "a": value = .string(try value.repr())
            case "s": value = .string(try value.str())
            default: break
            }
            var piece = try formatValue(value, spec: spec)
            if escape && !value.isMarkup { piece = PythonRepr.htmlEscape(piece) }
            out += piece
        }
        return out
    }

    private struct Spec {
        var fill: Character = " "
        var align: Character? = nil
        var sign: Character = "-"
        var alternate = false
        var zero = false
        var width = 0
        var grouping: Character? = nil
        var precision: Int? = nil
        var type: Character? = nil
    }

    private static func parse(_ text: String) throws(JinjaError) -> Spec {
        var spec = Spec()
        var chars = Array(text)
        if chars.count >= 2 && "<>=^".contains(chars[1]) {
            spec.fill = chars[0]
            spec.align = chars[1]
            chars.removeFirst(2)
        } else if let first = chars.first, "<>=^".contains(first) {
            spec.align = first
            chars.removeFirst()
        }
        if let first = chars.first, "+- ".contains(first) {
            spec.sign = first
            chars.removeFirst()
        }
        if chars.first == "#" {
            spec.alternate = true
            chars.removeFirst()
        }
        if chars.first == "0" {
            spec.zero = true
            chars.removeFirst()
        }
        var width = ""
        while let first = chars.first, first.isASCII, first.isNumber {
            width.append(first)
            chars.removeFirst()
        }
        spec.width = Int(width) ?? 0
        if let first = chars.first, first == "," || first == "_" {
            spec.grouping = first
            chars.removeFirst()
        }
        if chars.first == "." {
            chars.removeFirst()
            var precision = ""
            while let first = chars.first, first.isASCII, first.isNumber {
                precision.append(first)
                chars.removeFirst()
            }
            guard let p = Int(precision) else { throw JinjaError(.value, "Format specifier missing precision") }
            spec.precision = p
        }
        if let first = chars.first {
            spec.type = first
            chars.removeFirst()
        }
        guard chars.isEmpty else { throw JinjaError(.value, "Invalid format specifier") }
        return spec
    }

    /// Python `format(value, spec)`.
    static func formatValue(_ value: Value, spec text: String) throws(JinjaError) -> String {
        if text.isEmpty { return try value.str() }
        let spec = try parse(text)
        switch value {
        case .string(let s), .markup(let s):
            guard spec.type == nil || spec.type == "s" else {
                throw JinjaError(.value, "Unknown format code '\(spec.type.map(String.init) ?? "")' for object of type 'str'")
            }
            var body = s
            if let p = spec.precision { body = String(scalars: s.unicodeScalars.prefix(p)) }
            return align(body, spec, defaultAlign: "<", signLength: 0)
        case .int, .bool, .float, .bigInt:
            return try formatNumber(value, spec)
        default:
            throw JinjaError(.type, "unsupported format string passed to \(value.typeName).__format__")
        }
    }

    private static func formatNumber(_ value: Value, _ spec: Spec) throws(JinjaError) -> String {
        guard let number = value.number else { return try value.str() }
        var digits: String
        var negative = false
        let type = spec.type
        switch (number, type) {
        case (.int(let i), nil), (.int(let i), "d"), (.int(let i), "n"):
            digits = String(i.magnitude)
            negative = i < 0
            if let g = spec.grouping { digits = group(digits, with: g) }
        case (.int(let i), "x"), (.int(let i), "X"), (.int(let i), "o"), (.int(let i), "b"):
            let radix = type == "o" ? 8 : type == "b" ? 2 : 16
            digits = String(i.magnitude, radix: radix, uppercase: type == "X")
            if spec.alternate { digits = "0" + (type == "X" ? "X" : String(type ?? "x")) + digits }
            negative = i < 0
        case (.int(let i), "c"):
            digits = Unicode.Scalar(UInt32(clamping: max(0, i))).map { String($0) } ?? ""
        case (_, "e"), (_, "E"), (_, "f"), (_, "F"), (_, "g"), (_, "G"), (_, "%"), (.float, nil), (.float, "n"):
            var d = number.double
            negative = d.sign == .minus && !d.isNaN
            d = d.magnitude
            if type == nil || type == "n", case .float = number {
                if let p = spec.precision {
                    digits = PythonFormat.cFormat("%.\(max(p, 1))g", d)
                    if !digits.contains(".") && !digits.contains("e") && !digits.contains("n") && !digits.contains("i") {
                        digits += ".0"
                    }
                } else {
                    digits = PythonRepr.float(d)
                }
            } else if type == "%" {
                digits = PythonFormat.cFormat("%.\(spec.precision ?? 6)f", d * 100) + "%"
            } else if let type {
                digits = PythonFormat.cFormat("%\(spec.alternate ? "#" : "").\(spec.precision ?? 6)\(type)", d)
            } else {
                digits = PythonRepr.float(d)
            }
            if let g = spec.grouping {
                let split = digits.firstIndex { !$0.isNumber } ?? digits.endIndex
                digits = group(String(digits[..<split]), with: g) + digits[split...]
            }
        default:
            throw JinjaError(.value, "Unknown format code '\(type.map(String.init) ?? "")' for object of type '\(value.typeName)'")
        }
        let sign = negative ? "-" : spec.sign == "+" ? "+" : spec.sign == " " ? " " : ""
        if spec.zero && spec.align == nil {
            let pad = max(0, spec.width - sign.count - digits.count)
            return sign + String(repeating: "0", count: pad) + digits
        }
        if spec.align == "=" {
            let pad = max(0, spec.width - sign.count - digits.count)
            return sign + String(repeating: spec.fill, count: pad) + digits
        }
        return align(sign + digits, spec, defaultAlign: ">", signLength: sign.count)
    }

    private static func group(_ digits: String, with separator: Character) -> String {
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(separator) }
            out.append(ch)
        }
        return out
    }

    private static func align(_ body: String, _ spec: Spec, defaultAlign: Character, signLength: Int) -> String {
        let count = body.unicodeScalars.count
        guard spec.width > count else { return body }
        let total = spec.width - count
        let fill = String(spec.fill)
        switch spec.align ?? defaultAlign {
        case "<": return body + String(repeating: fill, count: total)
        case "^":
            let left = total / 2
            return String(repeating: fill, count: left) + body + String(repeating: fill, count: total - left)
        default: return String(repeating: fill, count: total) + body
        }
    }
}
