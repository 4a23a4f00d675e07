/// A compiled statement. `render` writes to the renderer's output and says whether a loop should go on.
class Node: @unchecked Sendable {
    enum Flow {
        case normal, breakLoop, continueLoop
    }

    let offset: Int

    init(offset: Int) { self.offset = offset }

    func render(_ r: Renderer) throws(JinjaError) -> Flow { .normal }
}

extension Array where Element == Node {
    /// Renders the statements in order; nodes are read without retaining them (the template keeps them alive).
    @inline(__always)
    func render(_ r: Renderer) throws(JinjaError) -> Node.Flow {
        try withUnsafeBufferPointer { (nodes) throws(JinjaError) -> Node.Flow in
            for i in 0..<nodes.count {
                unowned(unsafe) let node = nodes[i]
                let flow = try node.render(r)
                if flow != .normal { return flow }
            }
            return .normal
        }
    }
}

/// Where an assignment stores: a slot of the current frame, or a tuple of targets to unpack into.
indirect enum AssignTarget: Sendable {
    case name(String, slot: Int)
    case tuple([AssignTarget])

    func assign(_ value: Value, in frame: Frame) throws(JinjaError) {
        switch self {
        case .name(_, let slot):
            frame.slots[slot] = value
        case .tuple(let targets):
            let items = try value.iterate()
            guard items.count == targets.count else {
                if items.count < targets.count {
                    throw JinjaError(.value, "not enough values to unpack (expected \(targets.count), got \(items.count))")
                }
                throw JinjaError(.value, "too many values to unpack (expected \(targets.count))")
            }
            for (target, item) in zip(targets, items) { try target.assign(item, in: frame) }
        }
    }
}

final class TextNode: Node, @unchecked Sendable {
    let text: [UInt8]

    init(_ text: String, offset: Int) {
        self.text = Array(text.utf8)
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        text.withUnsafeBufferPointer { r.output.append($0) }
        try r.checkOutputSize()
        return .normal
    }
}

/// `{{ expression }}`. The most common shapes are written straight into the output instead of building a
/// string first: `a + b + …` of strings, `a ~ b ~ …`, and `x | tojson`.
final class PrintNode: Node, @unchecked Sendable {
    private enum Shape {
        case value
        case addChain(AddChainExpr)
        case concat(ConcatExpr)
        case tojson(FilterExpr, input: Expr)
    }

    let expression: Expr
    private let shape: Shape

    init(_ expression: Expr, offset: Int) {
        self.expression = expression
        if let chain = expression as? AddChainExpr {
            shape = .addChain(chain)
        } else if let concat = expression as? ConcatExpr {
            shape = .concat(concat)
        } else if let filter = expression as? FilterExpr, filter.name == "tojson", let input = filter.input,
                  filter.function != nil {
            shape = .tojson(filter, input: input)
        } else {
            shape = .value
        }
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        if !r.autoescape {
            switch shape {
            case .value: break
            case .addChain(let chain):
                try chain.stream(r)
                return .normal
            case .concat(let concat):
                try concat.stream(r)
                return .normal
            case .tojson(let filter, let input):
                let value = try input.eval(r)
                do {
                    let dump = try Filters.jsonDump(try filter.arguments.evaluate(r))
                    try dump.dump(value, to: &r.output)
                    try r.checkOutputSize()
                } catch {
                    throw error.located(at: filter.offset)
                }
                return .normal
            }
        }
        let value = try expression.eval(r)
        do {
            try r.write(value)
        } catch {
            throw error.located(at: expression.offset)
        }
        return .normal
    }
}

final class IfNode: Node, @unchecked Sendable {
    let condition: Expr
    let body: [Node]
    /// `elif` branches.
    let alternatives: [(condition: Expr, body: [Node])]
    let otherwise: [Node]

    init(branches: [(condition: Expr, body: [Node])], otherwise: [Node], offset: Int) {
        condition = branches[0].condition
        body = branches[0].body
        alternatives = Array(branches.dropFirst())
        self.otherwise = otherwise
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        if try condition.isTrue(r) { return try body.render(r) }
        for branch in alternatives where try branch.condition.isTrue(r) {
            return try branch.body.render(r)
        }
        return try otherwise.render(r)
    }
}

final class SetNode: Node, @unchecked Sendable {
    let target: AssignTarget
    let value: Expr

    init(_ target: AssignTarget, _ value: Expr, offset: Int) {
        self.target = target
        self.value = value
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        let v = try value.eval(r)
        do {
            try target.assign(v, in: r.frame)
        } catch {
            throw error.located(at: offset)
        }
        return .normal
    }
}

/// `{% set ns.attr = value %}`.
final class NamespaceSetNode: Node, @unchecked Sendable {
    let namespace: NameExpr
    let attribute: String
    let value: Expr

    init(namespace: NameExpr, attribute: String, value: Expr, offset: Int) {
        self.namespace = namespace
        self.attribute = attribute
        self.value = value
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        let v = try value.eval(r)
        guard case .object(let object) = try namespace.eval(r), let ns = object as? Namespace else {
            throw JinjaError(.runtime, "cannot assign attribute on non-namespace object", offset: offset)
        }
        do {
            try ns.set(attribute, v)
        } catch {
            throw error.located(at: offset)
        }
        return .normal
    }
}

final class FilterBlockNode: Node, @unchecked Sendable {
    let filters: [FilterExpr]
    let body: [Node]
    let layout: ScopeLayout

    init(filters: [FilterExpr], body: [Node], layout: ScopeLayout, offset: Int) {
        self.filters = filters
        self.body = body
        self.layout = layout
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        var value = try r.capture(layout: layout, body)
        for filter in filters { value = try filter.apply(to: value, r) }
        try r.write(value)
        return .normal
    }
}

final class WithNode: Node, @unchecked Sendable {
    let assignments: [(target: AssignTarget, value: Expr)]
    let body: [Node]
    let layout: ScopeLayout

    init(assignments: [(target: AssignTarget, value: Expr)], body: [Node], layout: ScopeLayout, offset: Int) {
        self.assignments = assignments
        self.body = body
        self.layout = layout
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        var values: [Value] = []
        for assignment in assignments { values.append(try assignment.value.eval(r)) }
        let frame = Frame(slotCount: layout.slotCount, parent: r.frame)
        for (assignment, value) in zip(assignments, values) { try assignment.target.assign(value, in: frame) }
        let saved = r.frame
        r.frame = frame
        defer { r.frame = saved }
        return try body.render(r)
    }
}

/// `{% block name %}` outside inheritance: renders its body in place, in a scope of its own.
final class BlockNode: Node, @unchecked Sendable {
    let body: [Node]
    let layout: ScopeLayout
    let scoped: Bool

    init(body: [Node], layout: ScopeLayout, scoped: Bool, offset: Int) {
        self.body = body
        self.layout = layout
        self.scoped = scoped
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        let frame = Frame(slotCount: layout.slotCount, parent: scoped ? r.frame : r.root)
        let saved = r.frame
        r.frame = frame
        defer { r.frame = saved }
        _ = try body.render(r)
        return .normal
    }
}

final class AutoescapeNode: Node, @unchecked Sendable {
    let enabled: Expr
    let body: [Node]

    init(enabled: Expr, body: [Node], offset: Int) {
        self.enabled = enabled
        self.body = body
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow {
        let saved = r.autoescape
        r.autoescape = try enabled.eval(r).isTruthy
        defer { r.autoescape = saved }
        return try body.render(r)
    }
}

final class LoopControlNode: Node, @unchecked Sendable {
    let flow: Flow

    init(_ flow: Flow, offset: Int) {
        self.flow = flow
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow { flow }
}

/// A statement that always fails when reached (`{% include %}` and friends need a template loader).
final class FailNode: Node, @unchecked Sendable {
    let error: JinjaError

    init(_ error: JinjaError, offset: Int) {
        self.error = error
        super.init(offset: offset)
    }

    override func render(_ r: Renderer) throws(JinjaError) -> Flow { throw error.located(at: offset) }
}
