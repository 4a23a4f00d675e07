/// String filters: case, trimming, replacing, indenting, truncating, formatting.
extension Filters {
    static let stringFilters: [FilterFunction] = [
        FilterFunction("trim") { _, v, args throws(JinjaError) in
            let bound = try args.bind("trim", ["chars"])
            let s = try softString(v)
            let chars = try bound[0].flatMap { c throws(JinjaError) -> String? in c.isNone ? nil : try c.str() }
            return rewrap(s, StringMethods.strip(s.stringValue ?? "", chars: chars, leading: true, trailing: true))
        },
        FilterFunction("lower") { _, v, _ throws(JinjaError) in
            let s = try softString(v)
            return rewrap(s, (s.stringValue ?? "").lowercased())
        },
        FilterFunction("upper") { _, v, _ throws(JinjaError) in
            let s = try softString(v)
            return rewrap(s, (s.stringValue ?? "").uppercased())
        },
        FilterFunction("capitalize") { _, v, _ throws(JinjaError) in
            let s = try softString(v)
            return rewrap(s, StringMethods.capitalize(s.stringValue ?? ""))
        },
        FilterFunction("title") { _, v, _ throws(JinjaError) in
            .string(title(try v.str()))
        },
        FilterFunction("center") { _, v, args throws(JinjaError) in
            let bound = try args.bind("center", ["width"])
            let width = bound[0].flatMap(Slicing.integerIndex) ?? 80
            let s = try softString(v)
            return rewrap(s, StringMethods.pad(s.stringValue ?? "", width: width, fill: " ", mode: "center"))
        },
        FilterFunction("replace") { r, v, args throws(JinjaError) in
            let bound = try args.bind("replace", ["old", "new", "count"], required: 2)
            let count = bound[2].flatMap(Slicing.integerIndex) ?? -1
            let old = try (bound[0] ?? Value.none).str()
            let new = try (bound[1] ?? Value.none).str()
            if r.autoescape {
                var base = try softString(v)
                if (bound[0]?.isMarkup ?? false) || (bound[1]?.isMarkup ?? false), !base.isMarkup {
                    base = .markup(PythonRepr.htmlEscape(base.stringValue ?? ""))
                }
                let newText = base.isMarkup && !(bound[1]?.isMarkup ?? false) ? PythonRepr.htmlEscape(new) : new
                return rewrap(base, StringMethods.replace(base.stringValue ?? "", old, newText, count: count))
            }
            return .string(StringMethods.replace(try v.str(), old, new, count: count))
        },
        FilterFunction("indent") { _, v, args throws(JinjaError) in
            let bound = try args.bind("indent", ["width", "first", "blank"])
            let indentation: String
            switch bound[0] ?? .int(4) {
            case .string(let s), .markup(let s): indentation = s
            case let w: indentation = String(repeating: " ", count: max(0, Slicing.integerIndex(w) ?? 4))
            }
            let s = try softString(v)
            let lines = StringMethods.splitLines((s.stringValue ?? "") + "\n", keepEnds: false)
            var text: String
            if bound[2]?.isTruthy ?? false {
                text = lines.joined(separator: "\n" + indentation)
            } else {
                text = lines.first ?? ""
                let rest = lines.dropFirst()
                if !rest.isEmpty {
                    text += "\n" + rest.map { $0.isEmpty ? $0 : indentation + $0 }.joined(separator: "\n")
                }
            }
            if bound[1]?.isTruthy ?? false { text = indentation + text }
            return rewrap(s, text)
        },
        FilterFunction("truncate") { _, v, args throws(JinjaError) in
            let bound = try args.bind("truncate", ["length", "killwords", "end", "leeway"])
            let length = bound[0].flatMap(Slicing.integerIndex) ?? 255
            let killWords = bound[1]?.isTruthy ?? false
            let end = try bound[2]?.str() ?? "..."
            let leeway = bound[3].flatMap(Slicing.integerIndex) ?? 5
            let s = try v.str()
            let endCount = end.unicodeScalars.count
            guard length >= endCount else {
                throw JinjaError(.runtime, "expected length >= \(endCount), got \(length)")
            }
            let scalars = Array(s.unicodeScalars)
            if scalars.count <= length + leeway { return .string(s) }
            let head = String(scalars: scalars.prefix(length - endCount))
            if killWords { return .string(head + end) }
            let cut = StringMethods.rsplit(head, separator: " ", maxSplit: 1).first ?? head
            return .string(cut + end)
        },
        FilterFunction("wordcount") { _, v, _ throws(JinjaError) in
            var count = 0
            var inWord = false
            for scalar in try v.str().unicodeScalars {
                let isWord = scalar == "_" || scalar.properties.isAlphabetic || scalar.properties.numericType != nil
                if isWord && !inWord { count += 1 }
                inWord = isWord
            }
            return .int(count)
        },
        FilterFunction("wordwrap") { _, v, args throws(JinjaError) in
            let bound = try args.bind("wordwrap", ["width", "break_long_words", "wrapstring", "break_on_hyphens"])
            let width = bound[0].flatMap(Slicing.integerIndex) ?? 79
            let breakLong = bound[1]?.isTruthy ?? true
            let wrap = try bound[2].flatMap { w throws(JinjaError) -> String? in w.isNone ? nil : try w.str() } ?? "\n"
            let lines = StringMethods.splitLines(try v.str(), keepEnds: false)
            return .string(lines.map { wordWrap($0, width: width, breakLong: breakLong).joined(separator: wrap) }
                .joined(separator: wrap))
        },
        FilterFunction("format") { _, v, args throws(JinjaError) in
            if !args.positional.isEmpty && !args.keywords.isEmpty {
                throw JinjaError(.filterArgument, "can't handle positional and keyword arguments at the same time")
            }
            let s = try softString(v)
            let operand: Value
            if args.keywords.isEmpty {
                operand = .tuple(args.positional)
            } else {
                var dict = PyDict()
                for (name, value) in args.keywords { dict[name] = value }
                operand = .dict(dict)
            }
            return try Operators.binary(.mod, s, operand, limit: Int.max)
        },
        FilterFunction("striptags") { _, v, _ throws(JinjaError) in
            .string(stripTags(try v.str()))
        },
        FilterFunction("urlencode") { _, v, _ throws(JinjaError) in
            switch v {
            case .string, .markup, .int, .float, .bool, .none, .bigInt, .undefined:
                return .string(urlQuote(try v.str(), forQuery: false))
            default:
                let pairs: [Value] = v.isMapping ? Methods.items(of: v).array : try v.iterate().array
                var parts: [String] = []
                for pair in pairs {
                    let kv = try pair.iterate()
                    guard kv.count == 2 else { throw JinjaError(.value, "urlencode needs (key, value) pairs") }
                    parts.append(urlQuote(try kv[0].str(), forQuery: true) + "=" + urlQuote(try kv[1].str(), forQuery: true))
                }
                return .string(parts.joined(separator: "&"))
            }
        },
        FilterFunction("urlize") { _, v, _ throws(JinjaError) in
            .string(urlize(try v.str()))
        },
    ]

    /// Keeps Markup-ness of the input, as markupsafe's methods do.
    static func rewrap(_ original: Value, _ text: String) -> Value {
        original.isMarkup ? .markup(text) : .string(text)
    }

    /// jinja2's `title`: split before runs of `-`, whitespace and opening brackets; capitalize each piece.
    static func title(_ s: String) -> String {
        var out = ""
        var atStart = true
        for scalar in s.unicodeScalars {
            let isSeparator = PythonText.isWhitespace(scalar) || "-({[<".unicodeScalars.contains(scalar)
            if isSeparator {
                out.unicodeScalars.append(scalar)
                atStart = true
            } else if atStart {
                out += String(scalar).uppercased()
                atStart = false
            } else {
                out += String(scalar).lowercased()
            }
        }
        return out
    }

    static func wordWrap(_ line: String, width: Int, breakLong: Bool) -> [String] {
        var lines: [String] = []
        var current = ""
        var currentCount = 0
        var chunks: [String] = []
        var chunk = ""
        var inSpace = false
        for scalar in line.unicodeScalars {
            let space = PythonText.isWhitespace(scalar)
            if space != inSpace && !chunk.isEmpty {
                chunks.append(chunk)
                chunk = ""
            }
            chunk.unicodeScalars.append(scalar)
            inSpace = space
        }
        if !chunk.isEmpty { chunks.append(chunk) }
        for chunk in chunks {
            let isSpace = chunk.unicodeScalars.allSatisfy(PythonText.isWhitespace)
            let count = chunk.unicodeScalars.count
            if isSpace && currentCount == 0 && !lines.isEmpty { continue }
            if currentCount + count <= width {
                current += chunk
                currentCount += count
                continue
            }
            if isSpace {
                lines.append(StringMethods.strip(current, chars: nil, leading: false, trailing: true))
                current = ""
                currentCount = 0
                continue
            }
            if currentCount > 0 {
                lines.append(StringMethods.strip(current, chars: nil, leading: false, trailing: true))
                current = ""
                currentCount = 0
            }
            var rest = Array(chunk.unicodeScalars)
            while breakLong && rest.count > width && width > 0 {
                lines.append(String(scalars: rest.prefix(width)))
                rest.removeFirst(width)
            }
            current = String(scalars: rest)
            currentCount = rest.count
        }
        if currentCount > 0 { lines.append(StringMethods.strip(current, chars: nil, leading: false, trailing: true)) }
        return lines
    }

    static func stripTags(_ s: String) -> String {
        var text = ""
        var rest = Substring(s)
        while let open = rest.firstIndex(of: "<") {
            text += rest[..<open]
            let after = rest[open...]
            if after.hasPrefix("<!--"), let end = String(after).utf8FirstRange(of: "-->") {
                rest = Substring(String(after).utf8Slice(from: end.upperBound))
            } else if let close = after.firstIndex(of: ">") {
                rest = after[after.index(after: close)...]
            } else {
                text += after
                rest = ""
            }
        }
        text += rest
        let unescaped = text.replacingOccurrences("&lt;", "<").replacingOccurrences("&gt;", ">")
            .replacingOccurrences("&#39;", "'").replacingOccurrences("&#34;", "\"").replacingOccurrences("&quot;", "\"")
            .replacingOccurrences("&amp;", "&")
        return StringMethods.split(unescaped, separator: nil, maxSplit: -1).joined(separator: " ")
    }

    /// `urllib.parse.quote` with `safe="/"` (or `safe=""` and `+` for spaces in query strings).
    static func urlQuote(_ s: String, forQuery: Bool) -> String {
        var out = ""
        for b in s.utf8 {
            let c = Character(Unicode.Scalar(b))
            if (b < 0x80 && (c.isLetter || c.isNumber)) || "_.-~".contains(c) || (!forQuery && c == "/") {
                out.append(c)
            } else if forQuery && c == " " {
                out += "+"
            } else {
                out += "%" + PythonRepr.hex(UInt32(b), width: 2).uppercased()
            }
        }
        return out
    }

    /// A small `urlize`: wraps http(s):// and www. words in links.
    static func urlize(_ s: String) -> String {
        let words = s.split(separator: " ", omittingEmptySubsequences: false)
        return words.map { word -> String in
            let w = String(word)
            if w.hasPrefix("http://") || w.hasPrefix("https://") {
                let e = PythonRepr.htmlEscape(w)
                return "<a href=\"\(e)\" rel=\"noopener\">\(e)</a>"
            }
            if w.hasPrefix("www.") {
                let e = PythonRepr.htmlEscape(w)
                return "<a href=\"https://\(e)\" rel=\"noopener\">\(e)</a>"
            }
            return PythonRepr.htmlEscape(w)
        }.joined(separator: " ")
    }
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        StringMethods.replace(self, target, replacement, count: -1)
    }
}
