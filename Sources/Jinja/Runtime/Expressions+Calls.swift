/// One argument as written in a call.
enum ArgumentExpr {
    case positional(Expr)
    case keyword(String, Expr)
    case star(Expr)
    case starStar(Expr)
}

extension Array where Element == ArgumentExpr {
    func evaluate(_ r: Renderer) throws(JinjaError) -> Arguments {
        var arguments = Arguments()
        for argument in self {
            switch argument {
            case .positional(let e): arguments.positional.append(try e.eval(r))
            case .keyword(let name, let e): arguments.keywords.append((name, try e.eval(r)))
            case .star(let e):
                arguments.positional.append(contentsOf: try e.eval(r).iterate())
            case .starStar(let e):
                let value = try e.eval(r)
                guard let entries = value.mappingEntries else {
                    throw JinjaError(.type, "argument after ** must be a mapping, not \(value.typeName)", offset: e.offset)
                }
                for entry in entries {
                    guard case .string(let name) = entry.key.normalizedKey else {
                        throw JinjaError(.type, "keywords must be strings", offset: e.offset)
                    }
                    arguments.keywords.append((name, entry.value))
                }
            }
        }
        return arguments
    }
}

final class CallExpr: Expr, @unchecked Sendable {
    let callee: Expr
    let arguments: [ArgumentExpr]

    /// No `*`/`**` arguments: a macro callee can bind them straight into its frame.
    let directMacroCall: Bool

    init(_ callee: Expr, _ arguments: [ArgumentExpr], offset: Int) {
        self.callee = callee
        self.arguments = arguments
        directMacroCall = arguments.allSatisfy {
            switch $0 {
            case .positional, .keyword: return true
            case .star, .starStar: return false
            }
        }
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        do {
            if let method = callee as? AttributeExpr {
                // `x.name(...)`: call builtin methods without making a bound-method object.
                let receiver = try method.object.eval(r)
                let args = try arguments.evaluate(r)
                return try r.callMethod(receiver, method.name, args)
            }
            let function = try callee.eval(r)
            if directMacroCall, case .object(let object) = function, let macro = object as? Macro {
                return try macro.callDirect(arguments, r)
            }
            let args = try arguments.evaluate(r)
            return try r.call(function, args)
        } catch {
            // A method call fails at the method's name.
            throw error.located(at: (callee as? AttributeExpr)?.offset ?? offset)
        }
    }
}

final class FilterExpr: Expr, @unchecked Sendable {
    /// nil inside `{% filter %}` blocks, where the block's output is the input.
    let input: Expr?
    let name: String
    let function: FilterFunction?
    let arguments: [ArgumentExpr]

    init(_ input: Expr?, name: String, function: FilterFunction?, arguments: [ArgumentExpr], offset: Int) {
        self.input = input
        self.name = name
        self.function = function
        self.arguments = arguments
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        let value = try input?.eval(r) ?? .undefined(Undefined(reason: .plain))
        return try apply(to: value, r)
    }

    func apply(to value: Value, _ r: Renderer) throws(JinjaError) -> Value {
        guard let function else {
            throw JinjaError(.runtime, "No filter named '\(name)' found.", offset: offset)
        }
        do {
            let args = try arguments.evaluate(r)
            return try function(r, value, args)
        } catch {
            throw error.located(at: offset)
        }
    }
}

final class TestExpr: Expr, @unchecked Sendable {
    let input: Expr
    let name: String
    let function: TestFunction?
    let arguments: [ArgumentExpr]

    /// Tests that never use an undefined input beyond noticing it is undefined, so which undefined value it is
    /// does not matter and none needs to be made.
    let acceptsAnyUndefined: Bool
    private static let undefinedAgnostic: Set<String> = [
        "defined", "undefined", "none", "boolean", "false", "true", "integer", "float", "number", "string",
        "mapping", "sequence", "iterable", "callable", "escaped",
    ]

    init(_ input: Expr, name: String, function: TestFunction?, arguments: [ArgumentExpr], offset: Int) {
        self.input = input
        self.name = name
        self.function = function
        self.arguments = arguments
        acceptsAnyUndefined = TestExpr.undefinedAgnostic.contains(name)
        super.init(offset: offset)
    }

    override func eval(_ r: Renderer) throws(JinjaError) -> Value {
        .bool(try test(r))
    }

    override func isTrue(_ r: Renderer) throws(JinjaError) -> Bool { try test(r) }

    func test(_ r: Renderer) throws(JinjaError) -> Bool {
        guard let function else {
            throw JinjaError(.runtime, "No test named '\(name)' found.", offset: offset)
        }
        let value: Value
        if acceptsAnyUndefined {
            value = try input.probe(r) ?? Value.missing
        } else {
            value = try input.eval(r)
        }
        do {
            let args = try arguments.evaluate(r)
            return try function(r, value, args)
        } catch {
            throw error.located(at: offset)
        }
    }
}
