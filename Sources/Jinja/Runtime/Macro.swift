/// The compiled body and signature of a `{% macro %}` or of a `{% call %}` block's caller.
final class MacroDefinition: @unchecked Sendable {
    struct Parameter {
        let name: String
        let slot: Int
        let defaultValue: Expr?
    }

    let name: String
    let parameters: [Parameter]
    let body: [Node]
    let layout: ScopeLayout
    /// Slots of the implicit `caller`, `varargs` and `kwargs` when the body reads them.
    let callerSlot: Int?
    let varargsSlot: Int?
    let kwargsSlot: Int?

    init(name: String, parameters: [Parameter], body: [Node], layout: ScopeLayout) {
        self.name = name
        self.parameters = parameters
        self.body = body
        self.layout = layout
        let explicitCaller = parameters.contains { $0.name == "caller" }
        callerSlot = layout.readsCaller && !explicitCaller ? layout.existingSlot(for: "caller") : nil
        varargsSlot = layout.readsVarargs ? layout.existingSlot(for: "varargs") : nil
        kwargsSlot = layout.readsKwargs ? layout.existingSlot(for: "kwargs") : nil
    }
}

/// A macro value: its definition plus the frame it was defined in (macros see the variables around their
/// definition, as Python closures do, and not the caller's).
final class Macro: RuntimeObject, @unchecked Sendable {
    let definition: MacroDefinition
    let closure: Frame

    init(definition: MacroDefinition, closure: Frame) {
        self.definition = definition
        self.closure = closure
    }

    override var typeName: String { "Macro" }
    override var typeRepr: String { "jinja2.runtime.Macro object" }
    override var repr: String {
        definition.name == "caller" ? "<Macro 'caller'>" : "<Macro \(PythonRepr.string(definition.name))>"
    }
    override var isCallable: Bool { true }

    override func attribute(_ name: String, in renderer: Renderer) throws(JinjaError) -> Value? {
        switch name {
        case "name": return .string(definition.name)
        case "arguments": return .tuple(definition.parameters.map { .string($0.name) })
        case "catch_kwargs": return .bool(definition.kwargsSlot != nil)
        case "catch_varargs": return .bool(definition.varargsSlot != nil)
        case "caller": return .bool(definition.callerSlot != nil)
        default: return nil
        }
    }

    override func call(_ arguments: Arguments, in renderer: Renderer) throws(JinjaError) -> Value {
        let frame = renderer.makeFrame(definition.layout, parent: closure)
        var binder = ArgumentBinder(definition, frame)
        for value in arguments.positional { binder.positional(value) }
        for (name, value) in arguments.keywords { binder.keyword(name, value) }
        return try invoke(frame, &binder, renderer)
    }

    /// Calls with argument expressions evaluated straight into the macro's frame (no argument arrays).
    /// Evaluation order and errors are those of ``call(_:in:)``.
    func callDirect(_ expressions: [ArgumentExpr], _ renderer: Renderer) throws(JinjaError) -> Value {
        let frame = renderer.makeFrame(definition.layout, parent: closure)
        var binder = ArgumentBinder(definition, frame)
        for argument in expressions {
            switch argument {
            case .positional(let e): binder.positional(try e.eval(renderer))
            case .keyword(let name, let e): binder.keyword(name, try e.eval(renderer))
            case .star, .starStar:
                // Never reached: CallExpr only calls directly without * and ** arguments.
                throw JinjaError(.runtime, "unpacking arguments are not supported here")
            }
        }
        return try invoke(frame, &binder, renderer)
    }

    private func invoke(_ frame: Frame, _ binder: inout ArgumentBinder, _ renderer: Renderer) throws(JinjaError)
        -> Value
    {
        let d = definition
        if let error = binder.keywordError { throw error }
        if let slot = d.kwargsSlot { frame.slots[slot] = .dict(binder.extraKeywords) }
        if let slot = d.varargsSlot {
            frame.slots[slot] = .tuple(binder.extraPositional)
        } else if !binder.extraPositional.isEmpty {
            throw JinjaError(.type, "macro \(PythonRepr.string(d.name)) takes not more than \(d.parameters.count) argument(s)")
        }
        if let slot = d.callerSlot, !binder.callerGiven {
            frame.slots[slot] = .undefined(Undefined(reason: .hint("No caller defined")))
        }
        try renderer.enterCall()
        let savedFrame = renderer.frame
        renderer.frame = frame
        let outer = renderer.beginCapture()
        // Defaults are evaluated inside the macro's frame, so they may refer to earlier parameters.
        for (i, parameter) in d.parameters.enumerated() where !binder.isGiven(i) {
            if let defaultValue = parameter.defaultValue {
                frame.slots[parameter.slot] = try defaultValue.eval(renderer)
            } else {
                frame.slots[parameter.slot] = .undefined(Undefined(reason: .hint(
                    "parameter \(PythonRepr.string(parameter.name)) was not provided")))
            }
        }
        _ = try d.body.render(renderer)
        renderer.frame = savedFrame
        renderer.leaveCall()
        renderer.recycle(frame, d.layout)
        return renderer.endCapture(outer)
    }
}

/// Binds call arguments to a macro's parameters the way jinja2's `Macro.__call__` does; binding errors are
/// kept until all arguments have been evaluated.
struct ArgumentBinder {
    let definition: MacroDefinition
    let frame: Frame
    private var given: UInt64 = 0
    private var givenBeyond64: Set<Int> = []
    private var nextPositional = 0
    var extraPositional: [Value] = []
    var extraKeywords = PyDict()
    var callerGiven = false
    var keywordError: JinjaError? = nil

    init(_ definition: MacroDefinition, _ frame: Frame) {
        self.definition = definition
        self.frame = frame
    }

    func isGiven(_ i: Int) -> Bool {
        i < 64 ? given & (1 << UInt64(i)) != 0 : givenBeyond64.contains(i)
    }

    private mutating func markGiven(_ i: Int) {
        if i < 64 { given |= 1 << UInt64(i) } else { givenBeyond64.insert(i) }
    }

    mutating func positional(_ value: Value) {
        let parameters = definition.parameters
        if nextPositional < parameters.count {
            frame.slots[parameters[nextPositional].slot] = value
            markGiven(nextPositional)
        } else {
            extraPositional.append(value)
        }
        nextPositional += 1
    }

    mutating func keyword(_ name: String, _ value: Value) {
        let d = definition
        if let i = d.parameters.firstIndex(where: { $0.name == name }), !isGiven(i) {
            frame.slots[d.parameters[i].slot] = value
            markGiven(i)
        } else if name == "caller", let slot = d.callerSlot, !callerGiven {
            frame.slots[slot] = value
            callerGiven = true
        } else if d.kwargsSlot != nil {
            extraKeywords[name] = value
        } else if keywordError == nil {
            keywordError = name == "caller"
                ? JinjaError(.type, "macro \(PythonRepr.string(d.name)) was invoked with two values for the special caller argument. This is most likely a bug.")
                : JinjaError(.type, "macro \(PythonRepr.string(d.name)) takes no keyword argument \(PythonRepr.string(name))")
        }
    }
}

/// `{% macro name(params) %}`: binds a macro value to `name` in the current frame.
final class MacroNode: Node, @unchecked Sendable {
    let definition: MacroDefinition
    let slot: Int

    init(_ definition: MacroDefinition, slot: Int, offset: Int) {
        self.definition = definition
        self.slot = slot
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        r.frame.markCaptured()
        r.frame.slots[slot] = .object(Macro(definition: definition, closure: r.frame))
        return .normal
    }
}

/// `{% call(args) macro(...) %}body{% endcall %}`: calls the macro with `caller` bound to the body.
final class CallBlockNode: Node, @unchecked Sendable {
    let call: CallExpr
    let caller: MacroDefinition

    init(call: CallExpr, caller: MacroDefinition, offset: Int) {
        self.call = call
        self.caller = caller
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        var arguments = try call.arguments.evaluate(r)
        r.frame.markCaptured()
        arguments.keywords.append(("caller", .object(Macro(definition: caller, closure: r.frame))))
        let result: Value
        do {
            if let method = call.callee as? AttributeExpr {
                result = try r.callMethod(try method.object.eval(r), method.name, arguments)
            } else {
                result = try r.call(try call.callee.eval(r), arguments)
            }
        } catch {
            throw error.located(at: call.offset)
        }
        try r.write(result)
        return .normal
    }
}
