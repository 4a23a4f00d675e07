/// Python's `str` methods. Markup receivers give Markup results where markupsafe does.
enum StringMethods {
    static let names: Set<String> = [
        "capitalize", "casefold", "center", "count", "endswith", "expandtabs", "find", "format", "format_map",
        "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower", "isnumeric",
        "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition",
        "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip",
        "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper", "zfill",
    ]

    static func call(_ s: String, markup: Bool, _ name: String, _ args: Arguments, _ r: Renderer) throws(JinjaError) -> Value? {
        guard names.contains(name) else { return nil }
        func text(_ t: String) -> Value { markup ? .markup(t) : .string(t) }
        func stringArgument(_ v: Value?, _ what: String) throws(JinjaError) -> String? {
            guard let v, !v.isNone else { return nil }
            guard let s = v.stringValue else {
                if case .undefined(let u) = v { throw u.error }
                throw JinjaError(.type, "\(what) arg must be None or str")
            }
            return s
        }
        switch name {
        case "strip", "lstrip", "rstrip":
            let bound = try args.bind(name, ["chars"])
            let chars = try stringArgument(bound[0], name)
            return text(strip(s, chars: chars, leading: name != "rstrip", trailing: name != "lstrip"))
        case "split", "rsplit":
            let bound = try args.bind(name, ["sep", "maxsplit"])
            let sep = try stringArgument(bound[0], name)
            let maxSplit = bound[1].flatMap(Slicing.integerIndex) ?? -1
            if let sep, sep.isEmpty { throw JinjaError(.value, "empty separator") }
            let parts = name == "split" ? split(s, separator: sep, maxSplit: maxSplit)
                : rsplit(s, separator: sep, maxSplit: maxSplit)
            return .list(parts.map(text))
        case "splitlines":
            let bound = try args.bind(name, ["keepends"])
            return .list(splitLines(s, keepEnds: bound[0]?.isTruthy ?? false).map(text))
        case "startswith", "endswith":
            let bound = try args.bind(name, ["prefix", "start", "end"], required: 1)
            let scalars = Array(s.unicodeScalars)
            let (lower, upper) = try Slicing.bounds(length: scalars.count, start: bound[1], stop: bound[2])
            let region = String(scalars: scalars[lower..<upper])
            let candidates: [Value]
            switch bound[0] ?? Value.none {
            case .tuple(let t): candidates = t
            case let v where v.stringValue != nil: candidates = [v]
            case let v:
                throw JinjaError(.type, "\(name) first arg must be str or a tuple of str, not \(v.typeName)")
            }
            for candidate in candidates {
                guard let c = candidate.stringValue else {
                    throw JinjaError(.type, "tuple for \(name) must only contain str, not \(candidate.typeName)")
                }
                if name == "startswith" ? region.unicodeScalars.starts(with: c.unicodeScalars)
                    : region.unicodeScalars.reversed().starts(with: c.unicodeScalars.reversed()) {
                    return .bool(true)
                }
            }
            return .bool(false)
        case "replace":
            let bound = try args.bind(name, ["old", "new", "count"], required: 2)
            guard let old = bound[0]?.stringValue, let new = bound[1]?.stringValue else {
                throw JinjaError(.type, "replace() argument must be str, not \((bound[0]?.stringValue == nil ? bound[0] : bound[1])?.typeName ?? "None")")
            }
            let count = bound[2].flatMap(Slicing.integerIndex) ?? -1
            let replacement = markup && !(bound[1]?.isMarkup ?? false) ? PythonRepr.htmlEscape(new) : new
            return text(replace(s, old, replacement, count: count))
        case "lower": return text(try noArgs(args, name, s.lowercased()))
        case "upper": return text(try noArgs(args, name, s.uppercased()))
        case "casefold": return text(try noArgs(args, name, s.lowercased()))
        case "title": return text(try noArgs(args, name, title(s)))
        case "capitalize": return text(try noArgs(args, name, capitalize(s)))
        case "swapcase":
            var out = ""
            for c in s {
                out += c.isUppercase ? c.lowercased() : c.isLowercase ? c.uppercased() : String(c)
            }
            return text(try noArgs(args, name, out))
        case "find", "rfind", "index", "rindex", "count":
            let bound = try args.bind(name, ["sub", "start", "end"], required: 1)
            guard let sub = bound[0]?.stringValue else {
                throw JinjaError(.type, "must be str, not \(bound[0]?.typeName ?? "NoneType")")
            }
            let scalars = Array(s.unicodeScalars)
            let (lower, upper) = try Slicing.bounds(length: scalars.count, start: bound[1], stop: bound[2])
            let needle = Array(sub.unicodeScalars)
            if name == "count" {
                return .int(occurrences(of: needle, in: scalars, from: lower, to: upper).count)
            }
            let found = occurrences(of: needle, in: scalars, from: lower, to: upper, overlapping: true)
            let position = name.hasPrefix("r") ? found.last : found.first
            if let position { return .int(position) }
            if name.hasSuffix("index") { throw JinjaError(.value, "substring not found") }
            return .int(-1)
        case "join":
            let bound = try args.bind(name, ["iterable"], required: 1)
            var parts: [String] = []
            for (i, item) in try (bound[0] ?? Value.none).iterate().enumerated() {
                guard let part = item.stringValue else {
                    throw JinjaError(.type, "sequence item \(i): expected str instance, \(item.typeName) found")
                }
                parts.append(markup && !item.isMarkup ? PythonRepr.htmlEscape(part) : part)
            }
            return text(parts.joined(separator: s))
        case "center", "ljust", "rjust":
            let bound = try args.bind(name, ["width", "fillchar"], required: 1)
            guard let width = bound[0].flatMap(Slicing.integerIndex) else {
                throw JinjaError(.type, "'\(bound[0]?.typeName ?? "NoneType")' object cannot be interpreted as an integer")
            }
            let fill = bound[1]?.stringValue ?? " "
            guard fill.unicodeScalars.count == 1 else {
                throw JinjaError(.type, "The fill character must be exactly one character long")
            }
            return text(pad(s, width: width, fill: fill, mode: name))
        case "zfill":
            let bound = try args.bind(name, ["width"], required: 1)
            let width = bound[0].flatMap(Slicing.integerIndex) ?? 0
            let count = s.unicodeScalars.count
            guard width > count else { return text(s) }
            var body = Substring(s)
            var sign = ""
            if let first = body.first, first == "+" || first == "-" {
                sign = String(first)
                body = body.dropFirst()
            }
            return text(sign + String(repeating: "0", count: width - count) + body)
        case "partition", "rpartition":
            let bound = try args.bind(name, ["sep"], required: 1)
            guard let sep = bound[0]?.stringValue else { throw JinjaError(.type, "must be str") }
            if sep.isEmpty { throw JinjaError(.value, "empty separator") }
            let range = name == "partition" ? s.utf8FirstRange(of: sep) : s.utf8LastRange(of: sep)
            guard let range else {
                return name == "partition" ? .tuple([text(s), text(""), text("")]) : .tuple([text(""), text(""), text(s)])
            }
            return .tuple([text(s.utf8Slice(0..<range.lowerBound)), text(sep), text(s.utf8Slice(from: range.upperBound))])
        case "removeprefix", "removesuffix":
            let bound = try args.bind(name, ["fix"], required: 1)
            guard let fix = bound[0]?.stringValue else { throw JinjaError(.type, "must be str") }
            if name == "removeprefix", s.unicodeScalars.starts(with: fix.unicodeScalars) {
                return text(String(scalars: s.unicodeScalars.dropFirst(fix.unicodeScalars.count)))
            }
            if name == "removesuffix", !fix.isEmpty, s.unicodeScalars.reversed().starts(with: fix.unicodeScalars.reversed()) {
                return text(String(scalars: s.unicodeScalars.dropLast(fix.unicodeScalars.count)))
            }
            return text(s)
        case "expandtabs":
            let bound = try args.bind(name, ["tabsize"])
            let size = bound[0].flatMap(Slicing.integerIndex) ?? 8
            var out = ""
            var column = 0
            for scalar in s.unicodeScalars {
                if scalar == "\t" {
                    let spaces = size > 0 ? size - column % size : 0
                    out += String(repeating: " ", count: spaces)
                    column += spaces
                } else {
                    out.unicodeScalars.append(scalar)
                    column = scalar == "\n" || scalar == "\r" ? 0 : column + 1
                }
            }
            return text(out)
        case "format":
            return text(try StringFormatter.format(s, args, r, escape: markup))
        case "format_map":
            let bound = try args.bind(name, ["mapping"], required: 1)
            let mapping = bound[0] ?? Value.none
            let keywords = (mapping.mappingEntries ?? []).compactMap { entry in
                entry.key.stringValue.map { (name: $0, value: entry.value) }
            }
            return text(try StringFormatter.format(s, Arguments(keywords: keywords), r, escape: markup))
        default:
            if let predicate = predicate(name) {
                _ = try args.bind(name, [])
                return .bool(predicate(s))
            }
            throw JinjaError(.type, "str.\(name)() is not supported")
        }
    }

    private static func noArgs(_ args: Arguments, _ name: String, _ result: @autoclosure () -> String) throws(JinjaError) -> String {
        _ = try args.bind(name, [])
        return result()
    }

    // MARK: Implementations

    static func strip(_ s: String, chars: String?, leading: Bool, trailing: Bool) -> String {
        let set: [Unicode.Scalar]? = chars.map { Array($0.unicodeScalars) }
        func stripped(_ c: Unicode.Scalar) -> Bool { set?.contains(c) ?? PythonText.isWhitespace(c) }
        var copy = s
        let (start, end) = copy.withUTF8 { bytes -> (Int, Int) in
            var start = 0
            var end = bytes.count
            if leading {
                while start < end {
                    let (scalar, length) = PythonText.scalarAndLength(bytes, at: start)
                    guard stripped(scalar) else { break }
                    start += length
                }
            }
            if trailing {
                while end > start {
                    var lead = end - 1
                    while lead > start && bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
                    guard stripped(PythonText.scalarAndLength(bytes, at: lead).0) else { break }
                    end = lead
                }
            }
            return (start, end)
        }
        if start == 0 && end == s.utf8.count { return s }
        return s.utf8Slice(start..<end)
    }

    static func split(_ s: String, separator: String?, maxSplit: Int) -> [String] {
        var parts: [String] = []
        if let separator {
            var start = 0
            for range in s.utf8Ranges(of: separator, limit: maxSplit < 0 ? Int.max : maxSplit) {
                parts.append(s.utf8Slice(start..<range.lowerBound))
                start = range.upperBound
            }
            parts.append(s.utf8Slice(from: start))
            return parts
        }
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i < scalars.count {
            while i < scalars.count && PythonText.isWhitespace(scalars[i]) { i += 1 }
            guard i < scalars.count else { break }
            if maxSplit >= 0 && parts.count == maxSplit {
                var end = scalars.count
                while end > i && PythonText.isWhitespace(scalars[end - 1]) { end -= 1 }
                parts.append(String(scalars: scalars[i..<end]))
                break
            }
            let start = i
            while i < scalars.count && !PythonText.isWhitespace(scalars[i]) { i += 1 }
            parts.append(String(scalars: scalars[start..<i]))
        }
        return parts
    }

    static func rsplit(_ s: String, separator: String?, maxSplit: Int) -> [String] {
        guard maxSplit >= 0 else { return split(s, separator: separator, maxSplit: -1) }
        let reversed = String(scalars: s.unicodeScalars.reversed())
        let reversedSeparator = separator.map { String(scalars: $0.unicodeScalars.reversed()) }
        return split(reversed, separator: reversedSeparator, maxSplit: maxSplit).reversed().map {
            String(scalars: $0.unicodeScalars.reversed())
        }
    }

    static func splitLines(_ s: String, keepEnds: Bool) -> [String] {
        var lines: [String] = []
        let scalars = Array(s.unicodeScalars)
        var start = 0
        var i = 0
        while i < scalars.count {
            let c = scalars[i].value
            let isBreak = c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E
                || c == 0x85 || c == 0x2028 || c == 0x2029
            if isBreak {
                var end = i + 1
                if c == 0x0D && end < scalars.count && scalars[end] == "\n" { end += 1 }
                lines.append(String(scalars: scalars[start..<(keepEnds ? end : i)]))
                start = end
                i = end
            } else {
                i += 1
            }
        }
        if start < scalars.count { lines.append(String(scalars: scalars[start...])) }
        return lines
    }

    static func replace(_ s: String, _ old: String, _ new: String, count: Int) -> String {
        if old.isEmpty {
            // Python inserts `new` between every character (and at both ends), up to `count` times.
            var out = ""
            var done = 0
            for scalar in s.unicodeScalars {
                if count < 0 || done < count {
                    out += new
                    done += 1
                }
                out.unicodeScalars.append(scalar)
            }
            if count < 0 || done < count { out += new }
            return out
        }
        let ranges = s.utf8Ranges(of: old, limit: count < 0 ? Int.max : count)
        if ranges.isEmpty { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + ranges.count * max(0, new.utf8.count - old.utf8.count))
        var start = 0
        for range in ranges {
            out += s.utf8Slice(start..<range.lowerBound)
            out += new
            start = range.upperBound
        }
        out += s.utf8Slice(from: start)
        return out
    }

    static func occurrences(of needle: [Unicode.Scalar], in scalars: [Unicode.Scalar], from lower: Int, to upper: Int,
                            overlapping: Bool = false) -> [Int] {
        guard lower <= upper else { return [] }
        if needle.isEmpty { return Array(lower...upper) }
        var found: [Int] = []
        var i = lower
        while i + needle.count <= upper {
            if scalars[i..<(i + needle.count)].elementsEqual(needle) {
                found.append(i)
                i += overlapping ? 1 : needle.count
            } else {
                i += 1
            }
        }
        return found
    }

    /// Python's `str.title`: a cased character after a cased one is lowercased, any other is title-cased.
    static func title(_ s: String) -> String {
        var out = ""
        var previousCased = false
        for scalar in s.unicodeScalars {
            let properties = scalar.properties
            if properties.isCased {
                out += previousCased ? properties.lowercaseMapping : properties.titlecaseMapping
                previousCased = true
            } else {
                out.unicodeScalars.append(scalar)
                previousCased = false
            }
        }
        return out
    }

    static func capitalize(_ s: String) -> String {
        guard let first = s.unicodeScalars.first else { return s }
        return first.properties.titlecaseMapping + String(scalars: s.unicodeScalars.dropFirst()).lowercased()
    }

    static func pad(_ s: String, width: Int, fill: String, mode: String) -> String {
        let count = s.unicodeScalars.count
        guard width > count else { return s }
        let total = width - count
        switch mode {
        case "ljust": return s + String(repeating: fill, count: total)
        case "rjust": return String(repeating: fill, count: total) + s
        default:
            // CPython's centering puts the extra fill on the left when both the total and the width are odd.
            let left = total / 2 + (total & width & 1)
            return String(repeating: fill, count: left) + s + String(repeating: fill, count: total - left)
        }
    }

    static func predicate(_ name: String) -> ((String) -> Bool)? {
        func all(_ s: String, _ test: (Unicode.Scalar) -> Bool) -> Bool {
            !s.isEmpty && s.unicodeScalars.allSatisfy(test)
        }
        func isAlpha(_ c: Unicode.Scalar) -> Bool {
            switch c.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
            default: return false
            }
        }
        func numericType(_ c: Unicode.Scalar) -> Unicode.NumericType? { c.properties.numericType }
        switch name {
        case "isalpha": return { all($0, isAlpha) }
        case "isdecimal": return { all($0) { numericType($0) == .decimal } }
        case "isdigit": return { all($0) { numericType($0) == .decimal || numericType($0) == .digit } }
        case "isnumeric": return { all($0) { numericType($0) != nil } }
        case "isalnum": return { all($0) { isAlpha($0) || numericType($0) != nil } }
        case "isspace": return { all($0, PythonText.isWhitespace) }
        case "isascii": return { $0.unicodeScalars.allSatisfy { $0.isASCII } }
        case "isprintable": return { $0.unicodeScalars.allSatisfy { ($0.value >= 0x20 && $0.value < 0x7F) || ($0.value > 0x7F && PythonRepr.isPrintable($0)) } }
        case "isidentifier":
            return { s in
                let bytes = Array(s.utf8)
                return !bytes.isEmpty && !PythonText.isDigit(bytes[0]) && PythonText.identifierEnd(bytes, from: 0) == bytes.count
            }
        case "islower":
            return { s in
                let cased = s.unicodeScalars.filter { $0.properties.isCased }
                return !cased.isEmpty && cased.allSatisfy { $0.properties.isLowercase }
            }
        case "isupper":
            return { s in
                let cased = s.unicodeScalars.filter { $0.properties.isCased }
                return !cased.isEmpty && cased.allSatisfy { $0.properties.isUppercase }
            }
        case "istitle": return { s in !s.isEmpty && title(s) == s && s.unicodeScalars.contains { $0.properties.isCased } }
        default: return nil
        }
    }
}
