import JSON

/// The state of one render: output buffer, current frame, counters for the limits. Created per call, so
/// compiled templates stay immutable and thread-safe.
final class Renderer {
    let options: RenderOptions
    let maxOutputBytes: Int
    let root: Frame
    @exclusivity(unchecked) var frame: Frame
    /// Where `{{ }}` and text go; swapped out while a macro or block's output is captured.
    @exclusivity(unchecked) var output = ByteBuffer(capacity: 8192)
    @exclusivity(unchecked) var callDepth = 0
    @exclusivity(unchecked) var iterations = 0
    var autoescape = false
    /// Spare frames by scope id: loop bodies and macro calls reuse them instead of allocating.
    @exclusivity(unchecked) private var spareFrames: [[Frame]]
    /// Storage of finished capture buffers, reused by the next capture.
    @exclusivity(unchecked) private var spareStorage: [(base: UnsafeMutablePointer<UInt8>, capacity: Int)] = []

    init(options: RenderOptions, root: Frame, layoutCount: Int) {
        self.options = options
        maxOutputBytes = options.limits.maxOutputBytes
        self.root = root
        frame = root
        spareFrames = Array(repeating: [], count: layoutCount)
    }

    deinit {
        for storage in spareStorage { storage.base.deallocate() }
    }

    /// A cleared frame for `layout` (a spare one when there is).
    @inline(__always)
    func makeFrame(_ layout: ScopeLayout, parent: Frame?) -> Frame {
        if let frame = spareFrames[layout.id].popLast() {
            frame.parent = parent
            return frame
        }
        return Frame(slotCount: layout.slotCount, parent: parent)
    }

    /// Keeps `frame` for reuse unless a closure still refers to it (a macro defined in it).
    @inline(__always)
    func recycle(_ frame: Frame, _ layout: ScopeLayout) {
        guard !frame.isCaptured else { return }
        frame.reset()
        frame.parent = nil
        spareFrames[layout.id].append(frame)
    }

    // MARK: Output

    /// Writes `str(value)` (HTML-escaped inside `{% autoescape true %}` unless it is Markup).
    func write(_ value: Value) throws(JinjaError) {
        switch value {
        case .string(let s):
            if autoescape { output.append(PythonRepr.htmlEscape(s)) } else { output.append(s) }
        case .markup(let s):
            output.append(s)
        case .undefined:
            return
        case .int(let i):
            output.append(String(i))
        default:
            if autoescape {
                output.append(PythonRepr.htmlEscape(try value.str()))
            } else {
                var text = ""
                try value.appendStr(to: &text)
                output.append(text)
            }
        }
        try checkOutputSize()
    }

    @inline(__always)
    func checkOutputSize() throws(JinjaError) {
        if output.count > maxOutputBytes {
            throw JinjaError(.limit, "output exceeds the limit of \(maxOutputBytes) bytes")
        }
    }

    /// Starts capturing output into a fresh buffer; returns the buffer to hand back to ``endCapture(_:)``.
    /// Errors are never caught inside a render, so a capture interrupted by one needs no cleanup.
    @inline(__always)
    func beginCapture() -> ByteBuffer {
        var outer = spareStorage.popLast().map { ByteBuffer(reusing: $0) } ?? ByteBuffer(capacity: 256)
        swap(&output, &outer)
        return outer
    }

    /// Restores the outer output and returns what was written since ``beginCapture()``.
    @inline(__always)
    func endCapture(_ outer: consuming ByteBuffer) -> Value {
        var captured = outer
        swap(&output, &captured)
        let text = captured.string()
        spareStorage.append(captured.relinquish())
        return autoescape ? .markup(text) : .string(text)
    }

    /// Renders `body` in a fresh scope into a separate buffer and returns what it wrote.
    func capture(layout: ScopeLayout, _ body: [Node]) throws(JinjaError) -> Value {
        let saved = frame
        let inner = makeFrame(layout, parent: saved)
        frame = inner
        let outer = beginCapture()
        _ = try body.render(self)
        frame = saved
        recycle(inner, layout)
        return endCapture(outer)
    }

    func countIteration() throws(JinjaError) {
        iterations += 1
        if iterations > options.limits.maxLoopIterations {
            throw JinjaError(.limit, "more than \(options.limits.maxLoopIterations) loop iterations")
        }
    }

    func enterCall() throws(JinjaError) {
        callDepth += 1
        if callDepth > options.limits.maxCallDepth || !StackGuard.hasRoom() {
            callDepth -= 1
            throw JinjaError(.recursion, "maximum recursion depth exceeded")
        }
    }

    func leaveCall() { callDepth -= 1 }

    // MARK: Attribute and item access (jinja2's sandboxed getattr / getitem)

    /// `base.name`: a Python attribute first (dict and str methods), then the item `base['name']`.
    /// `plain` says `name` is no Python attribute of any builtin type (decided when compiling), which lets a
    /// dict go straight to its keys.
    @inline(__always)
    func attribute(of base: Value, _ name: String, plain: Bool) throws(JinjaError) -> Value {
        if plain {
            switch base {
            case .jsonObject(let o):
                if let v = Renderer.lookup(o, name) { return Value(json: v) }
                return .undefined(Undefined(reason: .attribute(owner: "dict object", name: name)))
            case .dict(let d):
                if let v = d[name] { return v }
                return .undefined(Undefined(reason: .attribute(owner: "dict object", name: name)))
            default:
                break
            }
        }
        return try attribute(of: base, name)
    }

    /// A JSON object member by key, comparing lengths before contents.
    @inline(__always)
    static func lookup(_ object: JSONObject, _ key: String) -> JSONValue? {
        let count = key.utf8.count
        return object.entries.withUnsafeBufferPointer { entries in
            for i in 0..<entries.count where entries[i].key.utf8.count == count && entries[i].key == key {
                return entries[i].value
            }
            return nil
        }
    }

    func attribute(of base: Value, _ name: String) throws(JinjaError) -> Value {
        switch base {
        case .jsonObject(let o):
            if let method = Methods.attribute(of: base, name) { return method }
            if let v = Renderer.lookup(o, name) { return Value(json: v) }
        case .dict(let d):
            if let method = Methods.attribute(of: base, name) { return method }
            if let v = d[name] { return v }
        case .undefined(let u):
            throw u.error
        case .object(let o):
            if name.isDunder { return Methods.unsafe(base, name) }
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
            if case .string(let s) = key.normalizedKey, let v = Renderer.lookup(o, s) { return Value(json: v) }
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
                if name.isDunder { return Methods.unsafe(base, name) }
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
