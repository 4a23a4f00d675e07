import JSON

/// A filter implementation, boxed so calls go straight to the closure (no reabstraction thunks).
final class FilterFunction: Sendable {
    let name: String
    let body: Filters.Function

    init(_ name: String, _ body: @escaping Filters.Function) {
        self.name = name
        self.body = body
    }

    @inline(__always)
    func callAsFunction(_ r: Renderer, _ value: Value, _ args: Arguments) throws(JinjaError) -> Value {
        try body(r, value, args)
    }
}

/// jinja2's builtin filters, plus transformers' `tojson` (plain `json.dumps`, no HTML escaping).
enum Filters {
    typealias Function = @Sendable (Renderer, Value, Arguments) throws(JinjaError) -> Value

    static func lookup(_ name: String) -> FilterFunction? { all[name] }

    static let all: [String: FilterFunction] = Dictionary(
        (stringFilters + sequenceFilters + valueFilters).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// Python `soft_str`: strings (and Markup) as they are, anything else through `str()`.
    static func softString(_ v: Value) throws(JinjaError) -> Value {
        switch v {
        case .string, .markup: return v
        default: return .string(try v.str())
        }
    }

    private static let valueFilters: [FilterFunction] = [
        FilterFunction("default", defaultFilter),
        FilterFunction("d", defaultFilter),
        FilterFunction("tojson") { _, v, args throws(JinjaError) in .string(try jsonDump(args).dumps(v)) },
        FilterFunction("string") { _, v, args throws(JinjaError) in
            _ = try args.bind("string", [])
            return try softString(v)
        },
        FilterFunction("safe") { _, v, args throws(JinjaError) in
            _ = try args.bind("safe", [])
            return .markup(try v.str())
        },
        FilterFunction("escape", escape),
        FilterFunction("e", escape),
        FilterFunction("forceescape") { _, v, _ throws(JinjaError) in .markup(PythonRepr.htmlEscape(try v.str())) },
        FilterFunction("length", length),
        FilterFunction("count", length),
        FilterFunction("abs") { _, v, args throws(JinjaError) in
            _ = try args.bind("abs", [])
            switch v {
            case .int(let i):
                guard i != Int.min else { throw JinjaError(.overflow, "integer result too large") }
                return .int(abs(i))
            case .bool(let b): return .int(b ? 1 : 0)
            case .float(let d): return .float(abs(d))
            case .bigInt(let s): return .bigInt(s.hasPrefix("-") ? String(s.dropFirst()) : s)
            case .undefined(let u): throw u.error
            default: throw JinjaError(.type, "bad operand type for abs(): '\(v.typeName)'")
            }
        },
        FilterFunction("int") { _, v, args throws(JinjaError) in
            let bound = try args.bind("int", ["default", "base"])
            return try toInt(v, default: bound[0] ?? .int(0), base: bound[1].flatMap(Slicing.integerIndex) ?? 10)
        },
        FilterFunction("float") { _, v, args throws(JinjaError) in
            let bound = try args.bind("float", ["default"])
            return try toFloat(v) ?? bound[0] ?? .float(0)
        },
        FilterFunction("round") { _, v, args throws(JinjaError) in
            let bound = try args.bind("round", ["precision", "method"])
            let precision = bound[0].flatMap(Slicing.integerIndex) ?? 0
            let method = bound[1]?.stringValue ?? "common"
            return try round(v, precision: precision, method: method)
        },
        FilterFunction("attr") { r, v, args throws(JinjaError) in
            let bound = try args.bind("attr", ["name"], required: 1)
            guard let name = bound[0]?.stringValue else { return .undefined(Undefined(reason: .plain)) }
            switch v {
            case .undefined(let u): throw u.error
            case .object(let o):
                if let value = try o.attribute(name, in: r) { return value }
            default:
                if let method = Methods.attribute(of: v, name) { return method }
            }
            return .undefined(Undefined(reason: .attribute(owner: v.typeRepr, name: name)))
        },
        FilterFunction("pprint") { _, v, _ throws(JinjaError) in .string(try PrettyPrint.format(v)) },
        FilterFunction("filesizeformat") { _, v, args throws(JinjaError) in
            let bound = try args.bind("filesizeformat", ["binary"])
            return .string(try fileSize(v, binary: bound[0]?.isTruthy ?? false))
        },
        FilterFunction("random") { _, v, _ throws(JinjaError) in
            let items = try v.iterate()
            guard let item = items.randomElement() else {
                return .undefined(Undefined(reason: .hint("No random item, sequence was empty.")))
            }
            return item
        },
        FilterFunction("xmlattr") { _, v, args throws(JinjaError) in
            let bound = try args.bind("xmlattr", ["autospace"])
            guard let entries = v.mappingEntries else { throw JinjaError(.type, "xmlattr needs a mapping") }
            var parts: [String] = []
            for entry in entries where !entry.value.isNone && !entry.value.isUndefined {
                let key = try entry.key.str()
                if key.unicodeScalars.contains(where: { PythonText.isWhitespace($0) || "/>=".unicodeScalars.contains($0) }) {
                    throw JinjaError(.value, "Invalid character in attribute name: \(PythonRepr.string(key))")
                }
                parts.append("\(PythonRepr.htmlEscape(key))=\"\(PythonRepr.htmlEscape(try entry.value.str()))\"")
            }
            var text = parts.joined(separator: " ")
            if bound[0]?.isTruthy ?? true, !text.isEmpty { text = " " + text }
            return .string(text)
        },
    ]

    /// transformers' `tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)`.
    static func jsonDump(_ args: Arguments) throws(JinjaError) -> JSONDump {
        let bound = try args.bind("tojson", ["ensure_ascii", "indent", "separators", "sort_keys"])
        var dump = JSONDump()
        dump.ensureASCII = bound[0]?.isTruthy ?? false
        switch bound[1] ?? Value.none {
        case .none: break
        case .int(let n): dump.indent = String(repeating: " ", count: max(0, n))
        case .bool(let b): dump.indent = b ? " " : ""
        case .string(let s), .markup(let s): dump.indent = s
        case let other: throw JinjaError(.type, "can't multiply sequence by non-int of type '\(other.typeName)'")
        }
        if dump.indent != nil { dump.itemSeparator = "," }
        if let separators = bound[2], !separators.isNone {
            let parts = try separators.iterate()
            guard parts.count == 2, let item = parts[0].stringValue, let key = parts[1].stringValue else {
                throw JinjaError(.value, "separators must be a pair of strings")
            }
            dump.itemSeparator = item
            dump.keySeparator = key
        }
        dump.sortKeys = bound[3]?.isTruthy ?? false
        return dump
    }

    private static let defaultFilter: Function = { _, v, args throws(JinjaError) in
        let bound = try args.bind("default", ["default_value", "boolean"])
        let fallback = bound[0] ?? .string("")
        if v.isUndefined || ((bound[1]?.isTruthy ?? false) && !v.isTruthy) { return fallback }
        return v
    }

    private static let escape: Function = { _, v, _ throws(JinjaError) in
        if case .markup = v { return v }
        return .markup(PythonRepr.htmlEscape(try v.str()))
    }

    private static let length: Function = { _, v, args throws(JinjaError) in
        _ = try args.bind("length", [])
        return .int(try v.length())
    }

    /// jinja2's `int` filter: `int(value)` (strings in `base`), else `int(float(value))`, else the default.
    static func toInt(_ v: Value, default fallback: Value, base: Int) throws(JinjaError) -> Value {
        switch v {
        case .undefined(let u): throw u.error
        case .int, .bigInt: return v
        case .bool(let b): return .int(b ? 1 : 0)
        case .float(let d):
            guard d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) else { return fallback }
            return .int(i)
        case .string(let s), .markup(let s):
            var text = StringMethods.strip(s, chars: nil, leading: true, trailing: true).replacingUnderscores()
            var negative = false
            if text.hasPrefix("-") || text.hasPrefix("+") {
                negative = text.hasPrefix("-")
                text.removeFirst()
            }
            var radix = base
            let lower = text.lowercased()
            if (base == 16 && lower.hasPrefix("0x")) || (base == 8 && lower.hasPrefix("0o"))
                || (base == 2 && lower.hasPrefix("0b")) {
                text.removeFirst(2)
            } else if base == 0 {
                radix = lower.hasPrefix("0x") ? 16 : lower.hasPrefix("0o") ? 8 : lower.hasPrefix("0b") ? 2 : 10
                if radix != 10 { text.removeFirst(2) }
            }
            if !text.isEmpty, let i = Int(text, radix: radix) { return .int(negative ? -i : i) }
            if let d = parseFloat(s), d.isFinite, let i = Int(exactly: d.rounded(.towardZero)) { return .int(i) }
            return fallback
        default:
            return fallback
        }
    }

    static func toFloat(_ v: Value) throws(JinjaError) -> Value? {
        switch v {
        case .undefined(let u): throw u.error
        case .int, .bool, .float, .bigInt: return v.number.map { .float($0.double) }
        case .string(let s), .markup(let s): return parseFloat(s).map(Value.float)
        default: return nil
        }
    }

    /// Python `float(str)`: surrounding whitespace, underscores between digits, inf/nan spellings.
    static func parseFloat(_ s: String) -> Double? {
        let text = StringMethods.strip(s, chars: nil, leading: true, trailing: true).replacingUnderscores()
        guard !text.isEmpty else { return nil }
        switch text.lowercased() {
        case "inf", "+inf", "infinity", "+infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        guard text.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
        return Double(text)
    }

    static func round(_ v: Value, precision: Int, method: String) throws(JinjaError) -> Value {
        guard ["common", "ceil", "floor"].contains(method) else {
            throw JinjaError(.filterArgument, "method must be common, ceil or floor")
        }
        guard let number = v.number else {
            if case .undefined(let u) = v { throw u.error }
            throw JinjaError(.type, "type \(v.typeName) doesn't define __round__ method")
        }
        if method == "common" {
            if case .int(let i) = number {
                guard precision < 0 else { return .int(i) }
                // int.__round__: round half to even at the 10^-precision digit.
                guard -precision < 19 else { return .int(0) }
                let scale = (0..<(-precision)).reduce(1) { acc, _ in acc * 10 }
                let quotient = i / scale
                let remainder = i % scale
                var rounded = quotient
                let twice = 2 * abs(remainder)
                if twice > scale || (twice == scale && quotient % 2 != 0) { rounded += i < 0 ? -1 : 1 }
                let (result, overflow) = rounded.multipliedReportingOverflow(by: scale)
                if overflow { throw JinjaError(.overflow, "integer result too large") }
                return .int(result)
            }
            let d = number.double
            guard d.isFinite else { return .float(d) }
            if precision == 0 { return .float(d.rounded(.toNearestOrEven)) }
            // printf rounds the exact binary value correctly, as Python's round() does.
            let text = PythonFormat.cFormat("%.\(max(0, min(precision, 300)))f", d)
            if precision < 0 {
                let scale = Operators.power10(-precision)
                return .float((d / scale).rounded(.toNearestOrEven) * scale)
            }
            return .float(Double(text) ?? d)
        }
        let scale = Operators.power10(precision)
        let scaled = number.double * scale
        return .float((method == "ceil" ? scaled.rounded(.up) : scaled.rounded(.down)) / scale)
    }

    static func fileSize(_ v: Value, binary: Bool) throws(JinjaError) -> String {
        guard let number = try toFloat(v), case .float(let bytes) = number else {
            throw JinjaError(.value, "could not convert string to float: \(try v.repr())")
        }
        let base: Double = binary ? 1024 : 1000
        let prefixes = binary ? ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
            : ["kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
        if bytes == 1 { return "1 Byte" }
        if bytes < base { return "\(Int(bytes)) Bytes" }
        var unit = base
        for (i, prefix) in prefixes.enumerated() {
            unit = Operators.power(base, Double(i + 2))
            if bytes < unit || i == prefixes.count - 1 {
                return PythonFormat.cFormat("%.1f", base * bytes / unit) + " " + prefix
            }
        }
        return ""
    }
}

extension String {
    /// Python numeric literals allow `_` between digits (`int("1_000")`).
    func replacingUnderscores() -> String {
        guard contains("_") else { return self }
        let chars = Array(self)
        var out = ""
        for (i, c) in chars.enumerated() {
            if c == "_", i > 0, i + 1 < chars.count, chars[i - 1].isHexDigit, chars[i + 1].isHexDigit { continue }
            out.append(c)
        }
        return out
    }
}
