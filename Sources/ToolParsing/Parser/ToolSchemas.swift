public import JSON

/// The tools a request offered, looked up by name: formats whose values are untyped text (Qwen3-Coder's
/// XML parameters) type them by the tool's JSON schema, and every family reports calls to tools that
/// were not offered.
public struct ToolSchemas: Sendable {
    private let parameters: [String: JSONValue]
    /// Tool names in the order the request listed them.
    public let names: [String]

    /// No tools known: names are not checked and untyped values stay strings.
    public static let none = ToolSchemas(tools: nil)

    /// From an OpenAI `tools` array (`[{"type": "function", "function": {"name", "parameters"}}]`);
    /// bare `{"name", "parameters"}` entries are accepted too. Entries without a name are ignored.
    public init(tools: JSONValue?) {
        var parameters: [String: JSONValue] = [:]
        var names: [String] = []
        for tool in tools?.arrayValue ?? [] {
            let function = tool["function"] ?? tool
            guard let name = function["name"]?.stringValue else { continue }
            if parameters[name] == nil { names.append(name) }
            parameters[name] = function["parameters"] ?? .object([:])
        }
        self.parameters = parameters
        self.names = names
    }

    public var isEmpty: Bool { names.isEmpty }

    public func contains(_ name: String) -> Bool { parameters[name] != nil }

    /// The JSON schema of one parameter of one tool, or nil when either is unknown.
    public func parameterSchema(tool: String, parameter: String) -> JSONValue? {
        parameters[tool]?["properties"]?[parameter]
    }
}
