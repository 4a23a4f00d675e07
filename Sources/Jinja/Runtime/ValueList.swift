import JSON

/// A random-access run of values backed by template values, a JSON array, or a mapping's entries (as
/// `(key, value)` tuples made only when read), converted per element.
struct ValueList: RandomAccessCollection {
    enum Storage {
        case values([Value])
        case json([JSONValue])
        case jsonEntries([JSONObject.Entry])
        case dictEntries([PyDict.Entry])
    }

    let storage: Storage

    init(_ values: [Value]) { storage = .values(values) }
    init(json: [JSONValue]) { storage = .json(json) }
    init(entriesOf object: JSONObject) { storage = .jsonEntries(object.entries) }
    init(entriesOf dict: PyDict) { storage = .dictEntries(dict.entries) }

    var startIndex: Int { 0 }
    var endIndex: Int {
        switch storage {
        case .values(let a): return a.count
        case .json(let a): return a.count
        case .jsonEntries(let a): return a.count
        case .dictEntries(let a): return a.count
        }
    }

    subscript(position: Int) -> Value {
        switch storage {
        case .values(let a): return a[position]
        case .json(let a): return Value(json: a[position])
        case .jsonEntries(let a): return .tuple([.string(a[position].key), Value(json: a[position].value)])
        case .dictEntries(let a): return .tuple([a[position].key, a[position].value])
        }
    }

    /// The key and value at `position` when this is a mapping's entries (no tuple made).
    @inline(__always)
    func pair(at position: Int) -> (Value, Value)? {
        switch storage {
        case .jsonEntries(let a): return (.string(a[position].key), Value(json: a[position].value))
        case .dictEntries(let a): return (a[position].key, a[position].value)
        default: return nil
        }
    }

    /// As an array of template values (copying only when backed by JSON).
    var array: [Value] {
        switch storage {
        case .values(let a): return a
        case .json(let a): return a.map(Value.init(json:))
        default: return map { $0 }
        }
    }

    /// The same elements as a list value, without converting JSON.
    var listValue: Value {
        switch storage {
        case .values(let a): return .list(a)
        case .json(let a): return .jsonArray(a)
        default: return .list(array)
        }
    }
}
