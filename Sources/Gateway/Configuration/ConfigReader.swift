import JSON

/// Typed access to a config object, failing with the file and key path of whatever is wrong.
struct ConfigReader {
    let object: JSONObject
    let path: String
    let file: String?

    init(_ object: JSONObject, path: String = "", file: String?) {
        self.object = object
        self.path = path
        self.file = file
    }

    func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    func fail(_ name: String, _ message: String) -> ConfigurationError {
        ConfigurationError(file: file, key: key(name), message)
    }

    func value(_ name: String) -> JSONValue? {
        guard let v = object[name], !v.isNull else { return nil }
        return v
    }

    func string(_ name: String) throws(ConfigurationError) -> String? {
        guard let v = value(name) else { return nil }
        switch v {
        case .string(let s): return s
        case .number(let n): return n.literal
        default: throw fail(name, "expected a string, found \(v.typeName)")
        }
    }

    /// A path: relative ones are taken from the config file's directory, so a config and the files it
    /// names can move together.
    func path(_ name: String) throws(ConfigurationError) -> String? {
        guard let value = try string(name) else { return nil }
        return resolve(path: value)
    }

    func resolve(path value: String) -> String {
        guard let file, !value.hasPrefix("/"), !value.hasPrefix("~"), let slash = file.lastIndex(of: "/") else {
            return value
        }
        return String(file[...slash]) + value
    }

    func requiredString(_ name: String) throws(ConfigurationError) -> String {
        guard let s = try string(name), !s.isEmpty else { throw fail(name, "is required") }
        return s
    }

    func bool(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let v = value(name) else { return nil }
        guard case .bool(let b) = v else { throw fail(name, "expected true or false, found \(v.typeName)") }
        return b
    }

    func number(_ name: String) throws(ConfigurationError) -> Double? {
        guard let v = value(name) else { return nil }
        guard case .number(let n) = v, n.doubleValue.isFinite else { throw fail(name, "expected a number, found \(v.typeName)") }
        return n.doubleValue
    }

    func integer(_ name: String) throws(ConfigurationError) -> Int? {
        guard let v = value(name) else { return nil }
        guard case .number(let n) = v, let i = n.intValue else { throw fail(name, "expected an integer, found \(v.typeName)") }
        return i
    }

    func strings(_ name: String) throws(ConfigurationError) -> [String]? {
        guard let v = value(name) else { return nil }
        switch v {
        case .string(let s): return [s]
        case .array(let items):
            var out: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw fail(name, "expected a list of strings") }
                out.append(s)
            }
            return out
        default: throw fail(name, "expected a string or a list of strings, found \(v.typeName)")
        }
    }

    func object(_ name: String) throws(ConfigurationError) -> ConfigReader? {
        guard let v = value(name) else { return nil }
        guard case .object(let o) = v else { throw fail(name, "expected a mapping, found \(v.typeName)") }
        return ConfigReader(o, path: key(name), file: file)
    }

    func objects(_ name: String) throws(ConfigurationError) -> [ConfigReader] {
        guard let v = value(name) else { return [] }
        guard case .array(let items) = v else { throw fail(name, "expected a list, found \(v.typeName)") }
        var out: [ConfigReader] = []
        for (i, item) in items.enumerated() {
            guard case .object(let o) = item else { throw fail("\(name)[\(i)]", "expected a mapping, found \(item.typeName)") }
            out.append(ConfigReader(o, path: key("\(name)[\(i)]"), file: file))
        }
        return out
    }

    /// Fails on keys the schema does not know: a typo in a config file should not be silently ignored.
    func rejectUnknownKeys(_ known: Set<String>) throws(ConfigurationError) {
        for entry in object where !known.contains(entry.key) {
            let suggestion = known.min { editDistance($0, entry.key) < editDistance($1, entry.key) }
            var message = "unknown key"
            if let suggestion, editDistance(suggestion, entry.key) <= 3 { message += "; did you mean '\(suggestion)'?" }
            throw fail(entry.key, message)
        }
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var previous = row[0]
        row[0] = i
        for j in stride(from: 1, through: b.count, by: 1) {
            let current = row[j]
            row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
            previous = current
        }
    }
    return row[b.count]
}
