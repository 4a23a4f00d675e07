/// The global functions templates see: jinja2's (`range`, `dict`, `lipsum`, `cycler`, `joiner`, `namespace`)
/// and transformers' (`raise_exception`, `strftime_now`).
enum Globals {
    /// Python's `range`, limited as in jinja2's sandbox.
    static let maxRange = 100_000

    static let all: [(String, Value)] = [
        ("range", .object(BuiltinFunction("range") { args, _ throws(JinjaError) in try range(args) })),
        ("dict", .object(BuiltinFunction("dict", attributes: [
            "fromkeys": .object(BuiltinFunction("fromkeys") { args, _ throws(JinjaError) in try Methods.fromKeys(args) }),
        ]) { args, _ throws(JinjaError) in .dict(try dict(args)) })),
        ("namespace", .object(BuiltinFunction("namespace") { args, _ throws(JinjaError) in
            let ns = Namespace()
            for entry in try dict(args).entries {
                try ns.set(try entry.key.str(), entry.value)
            }
            return .object(ns)
        })),
        ("raise_exception", .object(BuiltinFunction("raise_exception") { args, _ throws(JinjaError) in
            let message = try args.positional.first.map { m throws(JinjaError) in try m.str() } ?? ""
            throw JinjaError(.raised, message)
        })),
        ("strftime_now", .object(BuiltinFunction("strftime_now") { args, r throws(JinjaError) in
            let bound = try args.bind("strftime_now", ["format"], required: 1)
            let format = try (bound[0] ?? Value.none).str()
            return .string(Strftime.format(format, at: r.options.now ?? Strftime.localNow()))
        })),
        ("cycler", .object(BuiltinFunction("cycler") { args, _ throws(JinjaError) in
            .object(Cycler(args.positional))
        })),
        ("joiner", .object(BuiltinFunction("joiner") { args, _ throws(JinjaError) in
            let bound = try args.bind("joiner", ["sep"])
            return .object(Joiner(try (bound[0] ?? .string(", ")).str()))
        })),
        ("lipsum", .object(BuiltinFunction("lipsum") { args, _ throws(JinjaError) in
            let bound = try args.bind("lipsum", ["n", "html", "min", "max"])
            let count = bound[0].flatMap(Slicing.integerIndex) ?? 5
            let html = bound[1]?.isTruthy ?? true
            let paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua."
            let paragraphs = Array(repeating: paragraph, count: max(0, min(count, 100)))
            return html ? .markup(paragraphs.map { "<p>\($0)</p>" }.joined(separator: "\n"))
                : .string(paragraphs.joined(separator: "\n\n"))
        })),
    ]

    static func range(_ args: Arguments) throws(JinjaError) -> Value {
        guard !args.positional.isEmpty, args.positional.count <= 3, args.keywords.isEmpty else {
            throw JinjaError(.type, "range expected at most 3 arguments, got \(args.count)")
        }
        var numbers: [Int] = []
        for value in args.positional {
            guard let n = Slicing.integerIndex(value) else {
                if case .undefined(let u) = value { throw u.error }
                throw JinjaError(.type, "'\(value.typeName)' object cannot be interpreted as an integer")
            }
            numbers.append(n)
        }
        let (start, stop, step) = numbers.count == 1 ? (0, numbers[0], 1)
            : (numbers[0], numbers[1], numbers.count == 3 ? numbers[2] : 1)
        guard step != 0 else { throw JinjaError(.value, "range() arg 3 must not be zero") }
        let length = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0)
            : (start > stop ? (start - stop - step - 1) / -step : 0)
        guard length <= maxRange else {
            throw JinjaError(.overflow, "Range too big. The sandbox blocks ranges larger than MAX_RANGE (\(maxRange)).")
        }
        let items = (0..<length).map { Value.int(start + $0 * step) }
        return .object(SequenceObject(.range(start: start, stop: stop, step: step), items))
    }

    /// Python's `dict(mapping_or_pairs, **kwargs)`.
    static func dict(_ args: Arguments) throws(JinjaError) -> PyDict {
        guard args.positional.count <= 1 else {
            throw JinjaError(.type, "dict expected at most 1 argument, got \(args.positional.count)")
        }
        var dict = PyDict()
        if let source = args.positional.first {
            if let entries = source.mappingEntries {
                for entry in entries { dict[entry.key] = entry.value }
            } else {
                for (i, pair) in try source.iterate().enumerated() {
                    let kv = try pair.iterate()
                    guard kv.count == 2 else {
                        throw JinjaError(.value, "dictionary update sequence element #\(i) has length \(kv.count); 2 is required")
                    }
                    try Operators.checkHashable(kv[0])
                    dict[kv[0].normalizedKey] = kv[1]
                }
            }
        }
        for (name, value) in args.keywords { dict[name] = value }
        return dict
    }
}
