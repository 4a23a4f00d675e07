/// The arguments of a call: positional values, then keyword values in the order written.
struct Arguments {
    var positional: [Value] = []
    var keywords: [(name: String, value: Value)] = []

    init(positional: [Value] = [], keywords: [(name: String, value: Value)] = []) {
        self.positional = positional
        self.keywords = keywords
    }

    var isEmpty: Bool { positional.isEmpty && keywords.isEmpty }
    var count: Int { positional.count + keywords.count }

    func keyword(_ name: String) -> Value? {
        keywords.first { $0.name == name }?.value
    }

    /// Binds to a Python signature `function(p0, p1=…, …)`: one optional value per parameter, nil when not
    /// given. Extra or unknown arguments raise the TypeError Python would.
    func bind(_ function: String, _ parameters: [String], required: Int = 0) throws(JinjaError) -> [Value?] {
        guard positional.count <= parameters.count else {
            throw JinjaError(.type, "\(function)() takes at most \(parameters.count) argument\(parameters.count == 1 ? "" : "s") (\(positional.count) given)")
        }
        var bound: [Value?] = Array(repeating: nil, count: parameters.count)
        for (i, value) in positional.enumerated() { bound[i] = value }
        for (name, value) in keywords {
            guard let index = parameters.firstIndex(of: name) else {
                throw JinjaError(.type, "\(function)() got an unexpected keyword argument '\(name)'")
            }
            guard bound[index] == nil else {
                throw JinjaError(.type, "\(function)() got multiple values for argument '\(name)'")
            }
            bound[index] = value
        }
        for i in 0..<required where bound[i] == nil {
            throw JinjaError(.type, "\(function)() missing required argument: '\(parameters[i])'")
        }
        return bound
    }
}
