/// A JSON number kept as the literal text it was written with (`42`, `-0`, `1e-05`,
/// `123456789012345678901234567890`), so nothing is lost on the way through the gateway.
///
/// Equality is by value, as in Python: integers compare exactly (big ones too),
/// anything with a fraction or exponent compares as a Double.
public struct JSONNumber: Sendable, CustomStringConvertible {
    /// The text as written; always a valid JSON number, or `NaN`/`Infinity`/`-Infinity`
    /// for non-finite doubles made in Swift (what Python's `json.dumps` writes for them).
    public let literal: String

    /// True when the literal has no fraction and no exponent.
    public let isInteger: Bool

    /// Wraps a literal that the caller has already checked is a JSON number.
    init(uncheckedLiteral literal: String, isInteger: Bool) {
        self.literal = literal
        self.isInteger = isInteger
    }

    /// A number from its literal text; nil when the text is not a JSON number.
    public init?(literal: String) {
        var bytes = Array(literal.utf8)
        guard let end = bytes.withUnsafeMutableBufferPointer({ JSONNumber.scan($0, from: 0) }),
              end.end == bytes.count else { return nil }
        self.init(uncheckedLiteral: literal, isInteger: end.isInteger)
    }

    public init(_ value: Int) {
        self.init(uncheckedLiteral: String(value), isInteger: true)
    }

    public init(_ value: Int64) {
        self.init(uncheckedLiteral: String(value), isInteger: true)
    }

    /// A float, written the way Python's `repr` writes it (`1e-05`, `0.1`, `100.0`).
    public init(_ value: Double) {
        self.init(uncheckedLiteral: JSONNumber.pythonRepr(value), isInteger: false)
    }

    public var description: String { literal }

    /// The value as Int64 when the literal is an integer that fits.
    public var int64Value: Int64? {
        isInteger ? Int64(literal) : nil
    }

    /// The value as Int when the literal is an integer that fits.
    public var intValue: Int? {
        isInteger ? Int(literal) : nil
    }

    /// The value as a Double (rounded for big integers; ±inf beyond the double range).
    public var doubleValue: Double {
        switch literal {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return Double(literal) ?? .nan
        }
    }

    /// The text Python prints for the value `json.loads` makes of this literal:
    /// integers exactly (`-0` → `0`), floats by `repr` (`1E5` → `100000.0`, `1e16` → `1e+16`).
    public var pythonRepr: String {
        if isInteger {
            return literal == "-0" ? "0" : literal
        }
        return JSONNumber.pythonRepr(doubleValue)
    }

    /// Python's `repr(float)`: the shortest digits that round-trip, in fixed notation when the
    /// decimal exponent is in [-4, 16), else scientific with a signed two-digit exponent.
    public static func pythonRepr(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        // Swift's description already gives the shortest round-trip digits; only the layout differs.
        let (negative, digits, pointPosition) = decimalDigits(of: value)
        var out = negative ? "-" : ""
        if digits == "0" {
            out += "0.0"
        } else if pointPosition > -4 && pointPosition <= 16 {
            if pointPosition <= 0 {
                out += "0." + String(repeating: "0", count: -pointPosition) + digits
            } else if pointPosition < digits.count {
                let split = digits.index(digits.startIndex, offsetBy: pointPosition)
                out += digits[..<split] + "." + digits[split...]
            } else {
                out += digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            }
        } else {
            let exponent = pointPosition - 1
            out += String(digits.prefix(1))
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += exponent < 0 ? "e-" : "e+"
            let magnitude = String(abs(exponent))
            out += (magnitude.count < 2 ? "0" : "") + magnitude
        }
        return out
    }

    /// Splits a finite double into sign, significant digits (no leading/trailing zeros, "0" for
    /// zero) and the position of the decimal point: value = 0.DIGITS × 10^pointPosition.
    private static func decimalDigits(of value: Double) -> (negative: Bool, digits: String, pointPosition: Int) {
        let text = value.magnitude.description
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var intPart = mantissa
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var all = String(intPart) + fracPart
        var point = intPart.count + exponent
        while all.first == "0" {
            all.removeFirst()
            point -= 1
        }
        while all.last == "0" { all.removeLast() }
        if all.isEmpty { return (value.sign == .minus, "0", 1) }
        return (value.sign == .minus, all, point)
    }
}

extension JSONNumber: Equatable {
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if lhs.isInteger && rhs.isInteger {
            return canonicalInteger(lhs.literal) == canonicalInteger(rhs.literal)
        }
        return lhs.doubleValue == rhs.doubleValue
    }

    private static func canonicalInteger(_ literal: String) -> Substring {
        literal == "-0" ? "0" : Substring(literal)
    }
}

extension JSONNumber {
    /// Scans a JSON number starting at `start`; returns where it ends, or nil when the bytes there
    /// are not a valid number. Shared by the parser and `init?(literal:)` so both agree exactly.
    static func scan(_ bytes: UnsafeMutableBufferPointer<UInt8>, from start: Int) -> (end: Int, isInteger: Bool)? {
        scan(UnsafeBufferPointer(bytes), from: start)
    }

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, isInteger: Bool)? {
        var i = start
        let n = bytes.count
        var isInteger = true
        if i < n && bytes[i] == UInt8(ascii: "-") { i += 1 }
        guard i < n else { return nil }
        if bytes[i] == UInt8(ascii: "0") {
            i += 1
        } else if bytes[i] >= UInt8(ascii: "1") && bytes[i] <= UInt8(ascii: "9") {
            i += 1
            while i < n && isDigit(bytes[i]) { i += 1 }
        } else {
            return nil
        }
        if i < n && bytes[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < n && isDigit(bytes[i]) else { return nil }
            while i < n && isDigit(bytes[i]) { i += 1 }
        }
        if i < n && (bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E")) {
            isInteger = false
            i += 1
            if i < n && (bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-")) { i += 1 }
            guard i < n && isDigit(bytes[i]) else { return nil }
            while i < n && isDigit(bytes[i]) { i += 1 }
        }
        return (i, isInteger)
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }
}
