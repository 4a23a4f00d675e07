/// Filters over sequences and mappings: join, map, select/reject(attr), sort, groupby, first/last, ….
/// Those that are generators in jinja2 (map, select, items, unique, batch, slice, …) return single-pass
/// generator objects here too, so `tojson`, `length` and printing behave as they do in Python.
extension Filters {
    static let sequenceFilters: [FilterFunction] = [
        FilterFunction("join") { r, v, args throws(JinjaError) in
            let bound = try args.bind("join", ["d", "attribute"])
            let separator = try (bound[0] ?? .string("")).str()
            var items = try v.iterate().array
            if let attribute = bound[1], !attribute.isNone {
                let getter = try attributeGetter(attribute, default: nil)
                items = try items.map { item throws(JinjaError) in try getter(r, item) }
            }
            var out = ""
            for (i, item) in items.enumerated() {
                if i > 0 { out += separator }
                try item.appendStr(to: &out)
            }
            return .string(out)
        },
        FilterFunction("list") { _, v, args throws(JinjaError) in
            _ = try args.bind("list", [])
            if case .jsonArray = v { return v }
            return try v.iterate().listValue
        },
        FilterFunction("first") { _, v, _ throws(JinjaError) in
            if case .object(let o) = v, let s = o as? SequenceObject {
                if let first = s.takeFirst() { return first }
            } else if let first = try v.iterate().first {
                return first
            }
            return .undefined(Undefined(reason: .hint("No first item, sequence was empty.")))
        },
        FilterFunction("last") { _, v, _ throws(JinjaError) in
            if case .object(let o) = v, let s = o as? SequenceObject, s.isSinglePass {
                throw JinjaError(.type, "'\(s.typeName)' object is not reversible")
            }
            if let last = try v.iterate().last { return last }
            return .undefined(Undefined(reason: .hint("No last item, sequence was empty.")))
        },
        FilterFunction("items") { _, v, _ throws(JinjaError) in
            if v.isUndefined { return .object(SequenceObject(.generator, [])) }
            guard v.isMapping else { throw JinjaError(.type, "Can only get item pairs from a mapping.") }
            return .object(SequenceObject(.generator, Methods.items(of: v)))
        },
        FilterFunction("map") { r, v, args throws(JinjaError) in
            guard v.isTruthy else { return .object(SequenceObject(.generator, [])) }
            let function = try mapFunction(args)
            var out: [Value] = []
            for item in try v.iterate() { out.append(try function(r, item)) }
            return .object(SequenceObject(.generator, out))
        },
        FilterFunction("select") { r, v, args throws(JinjaError) in try selectOrReject(r, v, args, keep: true, byAttribute: false) },
        FilterFunction("reject") { r, v, args throws(JinjaError) in try selectOrReject(r, v, args, keep: false, byAttribute: false) },
        FilterFunction("selectattr") { r, v, args throws(JinjaError) in try selectOrReject(r, v, args, keep: true, byAttribute: true) },
        FilterFunction("rejectattr") { r, v, args throws(JinjaError) in try selectOrReject(r, v, args, keep: false, byAttribute: true) },
        FilterFunction("sort") { r, v, args throws(JinjaError) in
            let bound = try args.bind("sort", ["reverse", "case_sensitive", "attribute"])
            let key = try multiAttributeGetter(bound[2], caseSensitive: bound[1]?.isTruthy ?? false)
            let items = try v.iterate().array
            var keys: [Value] = []
            for item in items { keys.append(try key(r, item)) }
            return .list(try stableSort(items, keys: keys, reverse: bound[0]?.isTruthy ?? false))
        },
        FilterFunction("dictsort") { _, v, args throws(JinjaError) in
            let bound = try args.bind("dictsort", ["case_sensitive", "by", "reverse"])
            let by = bound[1]?.stringValue ?? "key"
            guard by == "key" || by == "value" else {
                throw JinjaError(.filterArgument, "You can only sort by either \"key\" or \"value\"")
            }
            guard v.isMapping else { throw JinjaError(.undefined, "'\(v.typeRepr)' has no attribute 'items'") }
            let items = Methods.items(of: v).array
            let caseSensitive = bound[0]?.isTruthy ?? false
            let keys = items.map { item -> Value in
                guard case .tuple(let pair) = item else { return item }
                let k = pair[by == "key" ? 0 : 1]
                return caseSensitive ? k : ignoreCase(k)
            }
            return .list(try stableSort(items, keys: keys, reverse: bound[2]?.isTruthy ?? false))
        },
        FilterFunction("unique") { r, v, args throws(JinjaError) in
            let bound = try args.bind("unique", ["case_sensitive", "attribute"])
            let caseSensitive = bound[0]?.isTruthy ?? false
            let getter = try attributeGetter(bound[1], default: nil)
            var seen: [Value] = []
            var out: [Value] = []
            for item in try v.iterate() {
                var key = try getter(r, item)
                if !caseSensitive { key = ignoreCase(key) }
                try Operators.checkHashable(key)
                if !seen.contains(where: { $0.pythonEquals(key) }) {
                    seen.append(key)
                    out.append(item)
                }
            }
            return .object(SequenceObject(.generator, out))
        },
        FilterFunction("min") { r, v, args throws(JinjaError) in try minOrMax(r, v, args, max: false) },
        FilterFunction("max") { r, v, args throws(JinjaError) in try minOrMax(r, v, args, max: true) },
        FilterFunction("sum") { r, v, args throws(JinjaError) in
            let bound = try args.bind("sum", ["attribute", "start"])
            var total = bound[1] ?? .int(0)
            if total.stringValue != nil {
                throw JinjaError(.type, "sum() can't sum strings [use ''.join(seq) instead]")
            }
            let getter = try attributeGetter(bound[0], default: nil)
            for item in try v.iterate() { total = try Operators.add(total, try getter(r, item)) }
            return total
        },
        FilterFunction("groupby") { r, v, args throws(JinjaError) in
            let bound = try args.bind("groupby", ["attribute", "default", "case_sensitive"], required: 1)
            let caseSensitive = bound[2]?.isTruthy ?? false
            let getter = try attributeGetter(bound[0], default: bound[1])
            let items = try v.iterate().array
            var keys: [Value] = []
            for item in items {
                let k = try getter(r, item)
                keys.append(caseSensitive ? k : ignoreCase(k))
            }
            let order = try stableSortIndices(keys, reverse: false)
            var groups: [Value] = []
            var currentKey: Value? = nil
            var current: [Value] = []
            func flush() throws(JinjaError) {
                guard let first = current.first, currentKey != nil else { return }
                let grouper = caseSensitive ? currentKey ?? Value.none : try getter(r, first)
                groups.append(.object(GroupTuple(grouper: grouper, list: current)))
            }
            for i in order {
                if let k = currentKey, k.pythonEquals(keys[i]) {
                    current.append(items[i])
                } else {
                    try flush()
                    currentKey = keys[i]
                    current = [items[i]]
                }
            }
            try flush()
            return .list(groups)
        },
        FilterFunction("batch") { _, v, args throws(JinjaError) in
            let bound = try args.bind("batch", ["linecount", "fill_with"], required: 1)
            guard let size = bound[0].flatMap(Slicing.integerIndex), size > 0 else {
                throw JinjaError(.value, "batch size must be a positive integer")
            }
            var batches: [Value] = []
            var current: [Value] = []
            for item in try v.iterate() {
                if current.count == size {
                    batches.append(.list(current))
                    current = []
                }
                current.append(item)
            }
            if !current.isEmpty {
                if let fill = bound[1], !fill.isNone, current.count < size {
                    current += Array(repeating: fill, count: size - current.count)
                }
                batches.append(.list(current))
            }
            return .object(SequenceObject(.generator, batches))
        },
        FilterFunction("slice") { _, v, args throws(JinjaError) in
            let bound = try args.bind("slice", ["slices", "fill_with"], required: 1)
            guard let slices = bound[0].flatMap(Slicing.integerIndex), slices > 0 else {
                throw JinjaError(.zeroDivision, "integer division or modulo by zero")
            }
            let items = try v.iterate().array
            let perSlice = items.count / slices
            let withExtra = items.count % slices
            var offset = 0
            var out: [Value] = []
            for number in 0..<slices {
                let start = offset + number * perSlice
                if number < withExtra { offset += 1 }
                let end = offset + (number + 1) * perSlice
                var part = Array(items[start..<end])
                if let fill = bound[1], !fill.isNone, number >= withExtra { part.append(fill) }
                out.append(.list(part))
            }
            return .object(SequenceObject(.generator, out))
        },
        FilterFunction("reverse") { _, v, _ throws(JinjaError) in
            switch v {
            case .string(let s): return .string(String(scalars: s.unicodeScalars.reversed()))
            case .markup(let s): return .markup(String(scalars: s.unicodeScalars.reversed()))
            case .list, .jsonArray, .tuple, .dict, .jsonObject, .undefined:
                return .object(SequenceObject(.reverseIterator, Array(try v.iterate().reversed())))
            case .object(let o):
                if let s = o as? SequenceObject, !s.isSinglePass {
                    return .object(SequenceObject(.reverseIterator, Array(s.items.reversed())))
                }
                guard let items = try o.iterate() else {
                    throw JinjaError(.filterArgument, "argument must be iterable")
                }
                return .list(items.reversed())
            default:
                throw JinjaError(.filterArgument, "argument must be iterable")
            }
        },
    ]

    /// Python's `ignore_case`: strings compare lowercased.
    static func ignoreCase(_ v: Value) -> Value {
        switch v {
        case .string(let s): return .string(s.lowercased())
        case .markup(let s): return .markup(s.lowercased())
        default: return v
        }
    }

    typealias Getter = @Sendable (Renderer, Value) throws(JinjaError) -> Value

    /// jinja2's `make_attrgetter`: `"a.b.0"` walks items (then attributes) part by part.
    static func attributeGetter(_ attribute: Value?, default fallback: Value?) throws(JinjaError) -> Getter {
        guard let attribute, !attribute.isNone else { return { _, item in item } }
        let parts: [Value]
        if let s = attribute.stringValue {
            parts = s.split(separator: ".", omittingEmptySubsequences: false).map { part in
                part.allSatisfy(\.isASCII) && !part.isEmpty && part.allSatisfy(\.isNumber) ? Value.int(Int(part) ?? 0)
                    : .string(String(part))
            }
        } else {
            parts = [attribute]
        }
        return { r, item throws(JinjaError) in
            var value = item
            for part in parts {
                value = try r.item(of: value, part)
                if let fallback, !fallback.isNone, value.isUndefined { value = fallback }
            }
            return value
        }
    }

    /// `sort(attribute="a,b")`: a list key of several attributes; strings lowercased unless case-sensitive.
    static func multiAttributeGetter(_ attribute: Value?, caseSensitive: Bool) throws(JinjaError) -> Getter {
        let getters: [Getter]
        if let attribute, let s = attribute.stringValue {
            var list: [Getter] = []
            for part in s.split(separator: ",", omittingEmptySubsequences: false) {
                list.append(try attributeGetter(.string(String(part)), default: nil))
            }
            getters = list
        } else {
            getters = [try attributeGetter(attribute, default: nil)]
        }
        return { r, item throws(JinjaError) in
            var keys: [Value] = []
            for getter in getters {
                let k = try getter(r, item)
                keys.append(caseSensitive ? k : ignoreCase(k))
            }
            return keys.count == 1 && (attribute?.stringValue == nil) ? keys[0] : .list(keys)
        }
    }

    static func stableSortIndices(_ keys: [Value], reverse: Bool) throws(JinjaError) -> [Int] {
        var failure: JinjaError? = nil
        let order = keys.indices.sorted { a, b in
            do {
                return reverse ? try keys[b].pythonLess(keys[a]) : try keys[a].pythonLess(keys[b])
            } catch {
                failure = failure ?? (error as? JinjaError)
                return false
            }
        }
        if let failure { throw failure }
        return order
    }

    static func stableSort(_ items: [Value], keys: [Value], reverse: Bool) throws(JinjaError) -> [Value] {
        try stableSortIndices(keys, reverse: reverse).map { items[$0] }
    }

    private static func mapFunction(_ args: Arguments) throws(JinjaError) -> Getter {
        if args.positional.isEmpty, let attribute = args.keyword("attribute") {
            if let unexpected = args.keywords.first(where: { $0.name != "attribute" && $0.name != "default" }) {
                throw JinjaError(.filterArgument, "Unexpected keyword argument \(PythonRepr.string(unexpected.name))")
            }
            return try attributeGetter(attribute, default: args.keyword("default"))
        }
        guard let name = args.positional.first else {
            throw JinjaError(.filterArgument, "map requires a filter argument")
        }
        let rest = Arguments(positional: Array(args.positional.dropFirst()), keywords: args.keywords)
        let filterName = try name.str()
        guard let filter = lookup(filterName) else {
            throw JinjaError(.runtime, "No filter named \(PythonRepr.string(filterName)).")
        }
        return { r, item throws(JinjaError) in try filter(r, item, rest) }
    }

    private static let truthTest = TestFunction("bool") { _, value, _ in value.isTruthy }

    private static func selectOrReject(_ r: Renderer, _ v: Value, _ args: Arguments, keep: Bool, byAttribute: Bool)
        throws(JinjaError) -> Value
    {
        guard v.isTruthy else { return .object(SequenceObject(.generator, [])) }
        var offset = 0
        var transform: Getter = { _, item in item }
        if byAttribute {
            guard let attribute = args.positional.first else {
                throw JinjaError(.filterArgument, "Missing parameter for attribute name")
            }
            transform = try attributeGetter(attribute, default: nil)
            offset = 1
        }
        var test: TestFunction = truthTest
        var testArgs = Arguments()
        if args.positional.count > offset {
            let name = try args.positional[offset].str()
            guard let function = Tests.lookup(name) else {
                throw JinjaError(.runtime, "No test named \(PythonRepr.string(name)).")
            }
            test = function
            testArgs = Arguments(positional: Array(args.positional.dropFirst(offset + 1)), keywords: args.keywords)
        }
        var out: [Value] = []
        for item in try v.iterate() where try test(r, try transform(r, item), testArgs) == keep {
            out.append(item)
        }
        return .object(SequenceObject(.generator, out))
    }

    private static func minOrMax(_ r: Renderer, _ v: Value, _ args: Arguments, max: Bool) throws(JinjaError) -> Value {
        let bound = try args.bind(max ? "max" : "min", ["case_sensitive", "attribute"])
        let items = try v.iterate().array
        guard var best = items.first else {
            return .undefined(Undefined(reason: .hint("No aggregated item, sequence was empty.")))
        }
        let caseSensitive = bound[0]?.isTruthy ?? false
        let getter = try attributeGetter(bound[1], default: nil)
        func key(_ item: Value) throws(JinjaError) -> Value {
            let k = try getter(r, item)
            return caseSensitive ? k : ignoreCase(k)
        }
        var bestKey = try key(best)
        for item in items.dropFirst() {
            let k = try key(item)
            if max ? try bestKey.pythonLess(k) : try k.pythonLess(bestKey) {
                best = item
                bestKey = k
            }
        }
        return best
    }
}

/// `groupby`'s `(grouper, list)` named tuple.
final class GroupTuple: RuntimeObject, @unchecked Sendable {
    let grouper: Value
    let list: [Value]

    init(grouper: Value, list: [Value]) {
        self.grouper = grouper
        self.list = list
    }

    override var typeName: String { "_GroupTuple" }
    override var typeRepr: String { "jinja2.filters._GroupTuple object" }
    override var repr: String { (try? Value.tuple([grouper, .list(list)]).repr()) ?? "()" }
    override var length: Int? { 2 }

    override func iterate() throws(JinjaError) -> ValueList? { ValueList([grouper, .list(list)]) }

    override func element(at index: Int) -> Value? {
        switch index {
        case 0, -2: return grouper
        case 1, -1: return .list(list)
        default: return nil
        }
    }

    override func attribute(_ name: String, in renderer: Renderer) throws(JinjaError) -> Value? {
        switch name {
        case "grouper": return grouper
        case "list": return .list(list)
        default: return nil
        }
    }
}
