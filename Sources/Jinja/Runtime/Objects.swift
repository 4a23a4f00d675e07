/// `namespace(...)`: the one mutable object templates have (`{% set ns.x = … %}`).
/// Names starting with `_` are refused, as transformers does.
final class Namespace: RuntimeObject, @unchecked Sendable {
    private(set) var attributes = PyDict()

    override var typeName: String { "SafeNamespace" }
    override var typeRepr: String { "__main__.SafeNamespace object" }
    override var repr: String {
        (try? "<Namespace \(Value.dict(attributes).repr())>") ?? "<Namespace>"
    }

    func set(_ name: String, _ value: Value) throws(JinjaError) {
        if name.hasPrefix("_") {
            throw JinjaError(.security, "namespace attribute \(PythonRepr.string(name)) is not allowed (underscore-prefixed)")
        }
        attributes[name] = value
    }

    override func attribute(_ name: String, in renderer: Renderer) throws(JinjaError) -> Value? {
        attributes[name]
    }
}

/// Iterators and views: generators from filters (single pass), `reversed()`, `dict.items()` and friends,
/// `range()`. They print and serialize as Python's objects do (not as lists).
final class SequenceObject: RuntimeObject, @unchecked Sendable {
    enum Kind {
        case generator, reverseIterator, dictItems, dictKeys, dictValues
        case range(start: Int, stop: Int, step: Int)
    }

    let kind: Kind
    let items: ValueList
    /// How far a single-pass iterator has been read.
    private var position = 0

    init(_ kind: Kind, _ items: [Value]) {
        self.kind = kind
        self.items = ValueList(items)
    }

    init(_ kind: Kind, _ items: ValueList) {
        self.kind = kind
        self.items = items
    }

    var isSinglePass: Bool {
        switch kind {
        case .generator, .reverseIterator: return true
        default: return false
        }
    }

    override var typeName: String {
        switch kind {
        case .generator: return "generator"
        case .reverseIterator: return "list_reverseiterator"
        case .dictItems: return "dict_items"
        case .dictKeys: return "dict_keys"
        case .dictValues: return "dict_values"
        case .range: return "range"
        }
    }

    override var typeRepr: String { "\(typeName) object" }

    override var repr: String {
        func list() -> String { (try? Value.list(items.array).repr()) ?? "[]" }
        switch kind {
        case .generator: return "<generator object at 0x7f0000000000>"
        case .reverseIterator: return "<list_reverseiterator object at 0x7f0000000000>"
        case .dictItems, .dictKeys, .dictValues: return "\(typeName)(\(list()))"
        case .range(let start, let stop, let step):
            return step == 1 ? "range(\(start), \(stop))" : "range(\(start), \(stop), \(step))"
        }
    }

    override var isTruthy: Bool { isSinglePass || !items.isEmpty }
    override var length: Int? { isSinglePass ? nil : items.count }

    override func iterate() throws(JinjaError) -> ValueList? {
        guard isSinglePass else { return items }
        defer { position = items.count }
        return position == 0 ? items : ValueList(Array(items[position...]))
    }

    /// `next(iter(x))`: one element, consumed from a single-pass iterator.
    func takeFirst() -> Value? {
        guard isSinglePass else { return items.first }
        guard position < items.count else { return nil }
        defer { position += 1 }
        return items[position]
    }

    override func element(at index: Int) -> Value? {
        guard case .range = kind else { return nil }
        let i = index < 0 ? index + items.count : index
        return i >= 0 && i < items.count ? items[i] : nil
    }
}

/// A function the environment provides (`range`, `namespace`, `raise_exception`, a loop's `cycle`, …).
final class BuiltinFunction: RuntimeObject, @unchecked Sendable {
    typealias Body = @Sendable (Arguments, Renderer) throws(JinjaError) -> Value

    let name: String
    let body: Body
    let attributes: [String: Value]

    init(_ name: String, attributes: [String: Value] = [:], _ body: @escaping Body) {
        self.name = name
        self.body = body
        self.attributes = attributes
    }

    override var typeName: String { "function" }
    override var repr: String { "<function \(name)>" }
    override var isCallable: Bool { true }

    override func call(_ arguments: Arguments, in renderer: Renderer) throws(JinjaError) -> Value {
        try body(arguments, renderer)
    }

    override func attribute(_ name: String, in renderer: Renderer) throws(JinjaError) -> Value? {
        attributes[name]
    }
}

/// jinja2's `cycler(*items)`.
final class Cycler: RuntimeObject, @unchecked Sendable {
    let items: [Value]
    private var position = 0

    init(_ items: [Value]) { self.items = items }

    override var typeName: String { "Cycler" }
    override var typeRepr: String { "jinja2.utils.Cycler object" }

    override func attribute(_ name: String, in renderer: Renderer) throws(JinjaError) -> Value? {
        switch name {
        case "items": return .list(items)
        case "current": return items.isEmpty ? .none : items[position]
        case "next":
            return .object(BuiltinFunction("next") { [self] _, _ throws(JinjaError) in
                guard !items.isEmpty else { throw JinjaError(.index, "list index out of range") }
                let value = items[position]
                position = (position + 1) % items.count
                return value
            })
        case "reset":
            return .object(BuiltinFunction("reset") { [self] _, _ throws(JinjaError) in
                position = 0
                return .none
            })
        default: return nil
        }
    }
}

/// jinja2's `joiner(sep)`: "" on the first call, `sep` afterwards.
final class Joiner: RuntimeObject, @unchecked Sendable {
    let separator: String
    private var used = false

    init(_ separator: String) { self.separator = separator }

    override var typeName: String { "Joiner" }
    override var typeRepr: String { "jinja2.utils.Joiner object" }
    override var isCallable: Bool { true }

    override func call(_ arguments: Arguments, in renderer: Renderer) throws(JinjaError) -> Value {
        defer { used = true }
        return .string(used ? separator : "")
    }
}
