import JSON

/// The state of one render: output buffer, current frame, counters for the limits. Created per call, so
/// compiled templates stay immutable and thread-safe.
final class Renderer {
    let options: RenderOptions
    let root: Frame
    var frame: Frame
    var out: String = ""
    var callDepth = 0
    var iterations = 0
    var autoescape = false

    init(options: RenderOptions, root: Frame) {
        self.options = options
        self.root = root
        frame = root
        out.reserveCapacity(4096)
    }

    // MARK: Output

    func write(_ value: Value) throws(JinjaError) {
        switch value {
        case .string(let s):
            out += autoescape ? PythonRepr.htmlEscape(s) : s
        case .markup(let s):
            out += s
        case .undefined:
            break
        default:
            if autoescape {
                out += PythonRepr.htmlEscape(try value.str())
            } else {
                try value.appendStr(to: &out)
            }
        }
        try checkOutputSize()
    }

    @inline(__always)
    func checkOutputSize() throws(JinjaError) {
        if out.utf8.count > options.limits.maxOutputBytes {
            throw JinjaError(.limit, "output exceeds the limit of \(options.limits.maxOutputBytes) bytes")
        }
    }

    /// Renders `body` in a fresh scope into a separate buffer and returns what it wrote.
    func capture(layout: ScopeLayout, _ body: [Node]) throws(JinjaError) -> Value {
        let frame = Frame(slotCount: layout.slotCount, parent: self.frame)
        return try capture(in: frame) { () throws(JinjaError) in _ = try body.render(self) }
    }

    func capture(in frame: Frame, _ body: () throws(JinjaError) -> Void) throws(JinjaError) -> Value {
        let savedOut = out
        let savedFrame = self.frame
        out = ""
        self.frame = frame
        defer {
            self.frame = savedFrame
        }
        do {
            try body()
        } catch {
            out = savedOut
            throw error
        }
        let captured = out
        out = savedOut
        return autoescape ? .markup(captured) : .string(captured)
    }

    func countIteration() throws(JinjaError) {
        iterations += 1
        if iterations > options.limits.maxLoopIterations {
            throw JinjaError(.limit, "more than \(options.limits.maxLoopIterations) loop iterations")
        }
    }

    func enterCall() throws(JinjaError) {
        callDepth += 1
        if callDepth > options.limits.maxCallDepth {
            callDepth -= 1
            throw JinjaError(.recursion, "maximum recursion depth exceeded")
        }
    }

    func leaveCall() { callDepth -= 1 }

    // MARK: Attribute and item access (jinja2's sandboxed getattr / getitem)

    /// `base.name`: a Python attribute first (dict and str methods), then the item `base['name']`.
    func attribute(of base: Value, _ name: String) throws(JinjaError) -> Value {
        switch base {
        case .jsonObject(let o):
            if let method = Methods.attribute(of: base, name) { return method }
            if let v = o[name] { return Value(json: v) }
        case .dict(let d):
            if let method = Methods.attribute(of: base, name) { return method }
            if let v = d[name] { return v }
        case .undefined(let u):
            throw u.error
        case .object(let o):
            if name.hasPrefix("__") { return Methods.unsafe(base, name) }
            if let v = try o.attribute(name, in: self) { return v }
        default:
            if let method = Methods.attribute(of: base, name) { return method }
        }
        return .undefined(Undefined(reason: .attribute(owner: base.typeRepr, name: name)))
    }

    /// `base[key]`: the item first, then (for string keys) a Python attribute.
    func item(of base: Value, _ key: Value) throws(JinjaError) -> Value {
        switch base {
        case .jsonObject(let o):
            if case .string(let s) = key.normalizedKey, let v = o[s] { return Value(json: v) }
        case .dict(let d):
            if let v = d[key.normalizedKey] { return v }
        case .jsonArray, .list, .tuple, .string, .markup:
            if let index = Slicing.integerIndex(key) {
                if let v = Slicing.element(of: base, at: index) { return v }
                return .undefined(Undefined(reason: .element(owner: base.typeRepr, key: try key.repr())))
            }
        case .undefined(let u):
            throw u.error
        case .object(let o):
            if let index = Slicing.integerIndex(key), let v = o.element(at: index) { return v }
        default:
            break
        }
        if case .string(let name) = key.normalizedKey {
            if case .object(let o) = base {
                if name.hasPrefix("__") { return Methods.unsafe(base, name) }
                if let v = try o.attribute(name, in: self) { return v }
            } else if let method = Methods.attribute(of: base, name) {
                return method
            }
            return .undefined(Undefined(reason: .attribute(owner: base.typeRepr, name: name)))
        }
        return .undefined(Undefined(reason: .element(owner: base.typeRepr, key: try key.repr())))
    }

    // MARK: Calls

    func call(_ function: Value, _ arguments: Arguments) throws(JinjaError) -> Value {
        switch function {
        case .object(let o): return try o.call(arguments, in: self)
        case .undefined(let u): throw u.error
        default: throw JinjaError(.type, "'\(function.typeName)' object is not callable")
        }
    }

    /// `receiver.name(arguments)`, calling str/dict/list methods directly.
    func callMethod(_ receiver: Value, _ name: String, _ arguments: Arguments) throws(JinjaError) -> Value {
        if let result = try Methods.call(receiver, name, arguments, self) { return result }
        return try call(try attribute(of: receiver, name), arguments)
    }
}
