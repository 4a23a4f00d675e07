/// `{% for target in iterable [if test] [recursive] %}…{% else %}…{% endfor %}`.
///
/// Each iteration runs in a cleared frame (jinja2 semantics: a `set` inside the body never leaks out, and a
/// name read before its `set` in an iteration sees the enclosing value).
final class ForNode: Node, @unchecked Sendable {
    let target: AssignTarget
    let iterable: Expr
    let test: Expr?
    let body: [Node]
    let otherwise: [Node]
    let layout: ScopeLayout
    let elseLayout: ScopeLayout
    /// The slot of `loop` when the body reads it (no loop object is made otherwise).
    let loopSlot: Int?
    let recursive: Bool
    /// `for k, v in …`: the two slots, so mapping entries are assigned without making tuples.
    private let pairSlots: (Int, Int)?

    init(target: AssignTarget, iterable: Expr, test: Expr?, body: [Node], otherwise: [Node], layout: ScopeLayout,
         elseLayout: ScopeLayout, loopSlot: Int?, recursive: Bool, offset: Int)
    {
        self.target = target
        self.iterable = iterable
        self.test = test
        self.body = body
        self.otherwise = otherwise
        self.layout = layout
        self.elseLayout = elseLayout
        self.loopSlot = loopSlot
        self.recursive = recursive
        if case .tuple(let targets) = target, targets.count == 2, case .name(_, let a) = targets[0],
           case .name(_, let b) = targets[1] {
            pairSlots = (a, b)
        } else {
            pairSlots = nil
        }
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        let value = try iterable.eval(r)
        try run(r, over: value, parent: r.frame, depth0: 0)
        return .normal
    }

    func run(_ r: Renderer, over value: Value, parent: Frame, depth0: Int) throws(JinjaError) {
        var items: ValueList
        do {
            items = try value.iterate()
        } catch {
            throw error.located(at: iterable.offset)
        }
        let frame = r.makeFrame(layout, parent: parent)
        let saved = r.frame
        r.frame = frame
        defer { r.frame = saved }
        if let test {
            var kept: [Value] = []
            for item in items {
                try r.countIteration()
                frame.reset()
                try assign(item, frame)
                if try test.eval(r).isTruthy { kept.append(item) }
            }
            items = ValueList(kept)
        }
        if items.isEmpty {
            guard !otherwise.isEmpty else { return }
            r.frame = Frame(slotCount: elseLayout.slotCount, parent: parent)
            _ = try otherwise.render(r)
            r.recycle(frame, layout)
            return
        }
        if recursive { parent.markCaptured() }
        let loop = loopSlot.map { _ in LoopContext(items: items, depth0: depth0, node: self, parent: parent) }
        for index in 0..<items.count {
            try r.countIteration()
            frame.reset()
            if let slots = pairSlots, let (key, value) = items.pair(at: index) {
                frame.slots[slots.0] = key
                frame.slots[slots.1] = value
            } else {
                try assign(items[index], frame)
            }
            if let loopSlot, let loop {
                loop.index0 = index
                frame.slots[loopSlot] = .object(loop)
            }
            if try body.render(r) == .breakLoop { break }
        }
        r.frame = saved
        r.recycle(frame, layout)
    }

    @inline(__always)
    private func assign(_ item: Value, _ frame: Frame) throws(JinjaError) {
        if case .name(_, let slot) = target {
            frame.slots[slot] = item
            return
        }
        do {
            try target.assign(item, in: frame)
        } catch {
            throw error.located(at: offset)
        }
    }
}

/// The `loop` variable.
final class LoopContext: RuntimeObject, @unchecked Sendable {
    let items: ValueList
    @exclusivity(unchecked) var index0 = 0
    let depth0: Int
    private let node: ForNode
    private let parent: Frame
    private var lastChanged: [Value]? = nil

    init(items: ValueList, depth0: Int, node: ForNode, parent: Frame) {
        self.items = items
        self.depth0 = depth0
        self.node = node
        self.parent = parent
    }

    override var typeName: String { "LoopContext" }
    override var typeRepr: String { "jinja2.runtime.LoopContext object" }
    override var repr: String { "<LoopContext \(index0 + 1)/\(items.count)>" }
    override var isCallable: Bool { node.recursive }

    /// The attributes that are plain values, resolved by name when a template is compiled.
    enum Attribute: String {
        case index, index0, revindex, revindex0, first, last, length, depth, depth0, previtem, nextitem
    }

    func value(_ attribute: Attribute) -> Value {
        let count = items.count
        switch attribute {
        case .index: return .int(index0 + 1)
        case .index0: return .int(index0)
        case .revindex: return .int(count - index0)
        case .revindex0: return .int(count - index0 - 1)
        case .first: return .bool(index0 == 0)
        case .last: return .bool(index0 == count - 1)
        case .length: return .int(count)
        case .depth: return .int(depth0 + 1)
        case .depth0: return .int(depth0)
        case .previtem:
            return index0 > 0 ? items[index0 - 1] : .undefined(Undefined(reason: .hint("there is no previous item")))
        case .nextitem:
            return index0 + 1 < count ? items[index0 + 1] : .undefined(Undefined(reason: .hint("there is no next item")))
        }
    }

    override func attribute(_ name: String, in renderer: Renderer) throws(JinjaError) -> Value? {
        if let attribute = Attribute(rawValue: name) { return value(attribute) }
        switch name {
        case "cycle":
            return .object(BuiltinFunction("cycle") { [self] args, _ throws(JinjaError) in
                guard !args.positional.isEmpty else { throw JinjaError(.type, "no items for cycling given") }
                return args.positional[index0 % args.positional.count]
            })
        case "changed":
            return .object(BuiltinFunction("changed") { [self] args, _ throws(JinjaError) in
                if let last = lastChanged, last.count == args.positional.count,
                   zip(last, args.positional).allSatisfy({ $0.pythonEquals($1) }) {
                    return .bool(false)
                }
                lastChanged = args.positional
                return .bool(true)
            })
        default: return nil
        }
    }

    /// `loop(children)` in a recursive loop: renders the loop body over `children` and returns the text.
    override func call(_ arguments: Arguments, in renderer: Renderer) throws(JinjaError) -> Value {
        guard node.recursive else {
            throw JinjaError(.type, "The loop must have the 'recursive' marker to be called recursively.")
        }
        guard arguments.positional.count == 1, arguments.keywords.isEmpty else {
            throw JinjaError(.type, "loop() takes exactly one argument")
        }
        try renderer.enterCall()
        let outer = renderer.beginCapture()
        try node.run(renderer, over: arguments.positional[0], parent: parent, depth0: depth0 + 1)
        renderer.leaveCall()
        return renderer.endCapture(outer)
    }
}
