/// Everything that can go wrong in ToolParsing before a model's output is parsed. Parsing itself never
/// throws: bad output becomes content plus a ``ParseDiagnostic``.
public enum ToolParsingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A family definition file is wrong; `key` is the JSON path of the offending key (`variants[1].pattern`).
    case invalidDefinition(file: String, key: String, reason: String)
    /// A family definition file could not be read or is not JSON.
    case unreadableDefinition(file: String, reason: String)
    /// A PCRE2 pattern did not compile; `offset` is the byte offset in the pattern where PCRE2 stopped.
    case invalidPattern(offset: Int, message: String)
    /// No family (or alias) of that name was found on the search path.
    case unknownFamily(name: String, known: [String])

    public var description: String {
        switch self {
        case .invalidDefinition(let file, let key, let reason):
            return "\(file): key '\(key)': \(reason)"
        case .unreadableDefinition(let file, let reason):
            return "\(file): \(reason)"
        case .invalidPattern(let offset, let message):
            return "pattern error at offset \(offset): \(message)"
        case .unknownFamily(let name, let known):
            return "unknown parser family '\(name)' (known: \(known.joined(separator: ", ")))"
        }
    }
}
