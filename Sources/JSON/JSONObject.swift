/// A JSON object: members in the order they were written.
///
/// Setting an existing key replaces its value in place (Python dict semantics, which is also
/// what a JSON text with a duplicate key means to `json.loads`: last value, first position).
/// Lookup is a linear scan, which beats hashing for the small objects LLM traffic is made of.
public struct JSONObject: Sendable {
    public struct Entry: Sendable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    public private(set) var entries: [Entry]

    public init() { entries = [] }

    /// Builds an object from entries; a repeated key keeps its first position and last value.
    public init(_ entries: [Entry]) {
        self.entries = []
        self.entries.reserveCapacity(entries.count)
        for entry in entries { self[entry.key] = entry.value }
    }

    /// Entries known to have distinct keys (the parser checks before calling this).
    init(uniqueEntries: [Entry]) { entries = uniqueEntries }

    public var keys: [String] { entries.map(\.key) }

    public func index(forKey key: String) -> Int? {
        entries.firstIndex { $0.key == key }
    }

    public subscript(key: String) -> JSONValue? {
        get {
            for entry in entries where entry.key == key { return entry.value }
            return nil
        }
        set {
            if let i = index(forKey: key) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = index(forKey: key) else { return nil }
        return entries.remove(at: i).value
    }
}

extension JSONObject: RandomAccessCollection {
    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> Entry { entries[position] }
}

extension JSONObject: Equatable {
    /// Same keys with equal values, in any order (Python dict equality).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for entry in lhs.entries {
            guard let other = rhs[entry.key], other == entry.value else { return false }
        }
        return true
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements.map { Entry(key: $0.0, value: $0.1) })
    }
}
