import JSON

/// Python's `repr`/`str` text for strings and floats.
enum PythonRepr {
    /// `repr(s)`: single quotes unless the text has a `'` and no `"`; non-printable characters escaped.
    static func string(_ s: String) -> String {
        var out = ""
        appendString(s, to: &out)
        return out
    }

    static func appendString(_ s: String, to out: inout String) {
        let hasSingle = s.utf8.contains(UInt8(ascii: "'"))
        let hasDouble = s.utf8.contains(UInt8(ascii: "\""))
        let quote: Unicode.Scalar = hasSingle && !hasDouble ? "\"" : "'"
        out.unicodeScalars.append(quote)
        // Fast path: printable ASCII without quotes/backslashes.
        var plain = true
        for b in s.utf8 where b < 0x20 || b >= 0x7F || b == UInt8(ascii: "\\") || b == UInt8(quote.value) {
            plain = false
            break
        }
        if plain {
            out += s
        } else {
            for scalar in s.unicodeScalars {
                switch scalar {
                case quote, "\\":
                    out.unicodeScalars.append("\\")
                    out.unicodeScalars.append(scalar)
                case "\t": out += "\\t"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        out += "\\x" + hex(scalar.value, width: 2)
                    } else if scalar.value < 0x7F || isPrintable(scalar) {
                        out.unicodeScalars.append(scalar)
                    } else if scalar.value <= 0xFF {
                        out += "\\x" + hex(scalar.value, width: 2)
                    } else if scalar.value <= 0xFFFF {
                        out += "\\u" + hex(scalar.value, width: 4)
                    } else {
                        out += "\\U" + hex(scalar.value, width: 8)
                    }
                }
            }
        }
        out.unicodeScalars.append(quote)
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// `str.isprintable()` for one non-ASCII character.
    static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator,
             .spaceSeparator:
            return false
        default:
            return true
        }
    }

    /// `str(f)` / `repr(f)` for a float.
    static func float(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        return JSONNumber.pythonRepr(d)
    }

    /// markupsafe's `escape`: `&`, `<`, `>`, `'`, `"` as HTML entities.
    static func htmlEscape(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x27 || $0 == 0x22 }) else {
            return s
        }
        var out = ""
        out.reserveCapacity(s.utf8.count + 16)
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "'": out += "&#39;"
            case "\"": out += "&#34;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
