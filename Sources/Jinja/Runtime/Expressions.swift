import JSON

/// A compiled expression. Subclasses evaluate themselves; the tree is immutable once compiled, so one
/// template renders on many threads at once.
class Expr: @unchecked Sendable {
    /// UTF-8 offset in the source, for error locations.
    let offset: Int

    init(offset: Int) { self.offset = offset }

    func eval(_ r: Renderer) throws(JinjaError) -> Value {
        throw JinjaError(.runtime, "expression cannot be evaluated", offset: offset)
    }

    /// The value when known at compile time.
    var constant: Value? { nil }

    /// Python truthiness of the value (tests and comparisons answer without making a bool value).
    func isTrue(_ r: Renderer) throws(JinjaError) -> Bool {
        try eval(r).isTruthy
    }

    /// The value, or nil where `eval` would make an undefined value that nothing will use (for `is defined`
    /// and similar tests). Errors are the same as `eval`'s.
    func probe(_ r: Renderer) throws(JinjaError) -> Value? {
        let value = try eval(r)
        if case .undefined = value { return nil }
        return value
    }
}

final class ConstExpr: Expr, @unchecked Sendable {
    let value: Value

    init(_ value: Value, offset: Int) {
        self.value = value
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value { value }
    override var constant: Value? { value }
}

/// A variable read; `candidates` are the (frames up, slot) places the name may live in, innermost first,
/// filled in when parsing ends.
final class NameExpr: Expr, @unchecked Sendable {
    let name: String
    /// The (frames up, slot) places the name may live in, innermost first; filled in when parsing ends.
    var candidates: [(hops: Int, slot: Int)] = [] {
        didSet {
            first = candidates.first ?? (0, 0)
            hasMore = candidates.count > 1
        }
    }
    /// The first candidate, kept apart so the common one-place lookup reads no array.
    private var first: (hops: Int, slot: Int) = (0, 0)
    private var hasMore = false

    init(_ name: String, offset: Int) {
        self.name = name
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        if let value = lookup(r) { return value }
        return .undefined(Undefined(name: name))
    }

    override func probe(_ r: Renderer) throws(JinjaError) -> Value? {
        guard let value = lookup(r) else { return nil }
        if case .undefined = value { return nil }
        return value
    }

    /// Walks frames without retaining them: the renderer keeps every frame on the chain alive.
    @inline(__always)
    func lookup(_ r: Renderer) -> Value? {
        unowned(unsafe) var frame: Frame = r.frame
        var hopsDone = 0
        while hopsDone < first.hops {
            guard let parent = frame.parent else { return nil }
            frame = parent
            hopsDone += 1
        }
        if let value = frame.slots[first.slot] { return value }
        guard hasMore else { return nil }
        for (hops, slot) in candidates.dropFirst() {
            while hopsDone < hops {
                guard let parent = frame.parent else { return nil }
                frame = parent
                hopsDone += 1
            }
            if let value = frame.slots[slot] { return value }
        }
        return nil
    }
}

final class AttributeExpr: Expr, @unchecked Sendable {
    let object: Expr
    let name: String
    /// The name is no builtin type's attribute, so dicts can be looked up directly.
    let plain: Bool
    /// The undefined value of a missing key, made once ("'dict object' has no attribute 'name'").
    let missingOnDict: Value
    /// `loop.index` and friends, resolved once.
    let loopAttribute: LoopContext.Attribute?

    init(_ object: Expr, _ name: String, offset: Int) {
        self.object = object
        self.name = name
        plain = !Methods.isBuiltinAttributeName(name)
        missingOnDict = .undefined(Undefined(reason: .attribute(owner: "dict object", name: name)))
        loopAttribute = LoopContext.Attribute(rawValue: name)
        super.init(offset: offset)
    }

    override func probe(_ r: Renderer) throws(JinjaError) -> Value? {
        let base = try object.eval(r)
        if plain {
            switch base {
            case .jsonObject(let o): return Renderer.lookup(o, name).map(Value.init(json:))
            case .dict(let d): return d[name]
            default: break
            }
        }
        let value: Value
        do {
            value = try r.attribute(of: base, name, plain: plain)
        } catch {
            throw error.located(at: offset)
        }
        if case .undefined = value { return nil }
        return value
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let base = try object.eval(r)
        if let loopAttribute, case .object(let o) = base, type(of: o) == LoopContext.self {
            return unsafeDowncast(o, to: LoopContext.self).value(loopAttribute)
        }
        if plain {
            switch base {
            case .jsonObject(let o): return Renderer.lookup(o, name).map(Value.init(json:)) ?? missingOnDict
            case .dict(let d): return d[name] ?? missingOnDict
            default: break
            }
        }
        do {
            return try r.attribute(of: base, name, plain: plain)
        } catch {
            throw error.located(at: offset)
        }
    }
}

final class ItemExpr: Expr, @unchecked Sendable {
    let object: Expr
    let key: Expr

    init(_ object: Expr, _ key: Expr, offset: Int) {
        self.object = object
        self.key = key
        super.init(offset: offset)
    }

    override func probe(_ r: Renderer) throws(JinjaError) -> Value? {
        let base = try object.eval(r)
        let index = try key.eval(r)
        switch (base, index) {
        case (.jsonObject(let o), .string(let s)):
            if let v = Renderer.lookup(o, s) { return Value(json: v) }
            if !Methods.isBuiltinAttributeName(s) { return nil }
        case (.dict(let d), _):
            if let v = d[index.normalizedKey] { return v }
            guard case .string(let s) = index.normalizedKey, Methods.isBuiltinAttributeName(s) else { return nil }
        default:
            break
        }
        let value: Value
        do {
            value = try r.item(of: base, index)
        } catch {
            throw error.located(at: offset)
        }
        if case .undefined = value { return nil }
        return value
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let base = try object.eval(r)
        let index = try key.eval(r)
        do {
            return try r.item(of: base, index)
        } catch {
            throw error.located(at: offset)
        }
    }
}

final class SliceExpr: Expr, @unchecked Sendable {
    let object: Expr
    let start: Expr?
    let stop: Expr?
    let step: Expr?

    init(_ object: Expr, start: Expr?, stop: Expr?, step: Expr?, offset: Int) {
        self.object = object
        self.start = start
        self.stop = stop
        self.step = step
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let base = try object.eval(r)
        let bounds = (try start?.eval(r), try stop?.eval(r), try step?.eval(r))
        do {
            return try Slicing.slice(base, start: bounds.0, stop: bounds.1, step: bounds.2)
        } catch {
            throw error.located(at: offset)
        }
    }
}
