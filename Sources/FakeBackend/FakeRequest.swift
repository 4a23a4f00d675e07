public import JSON

/// One request the fake backend received, for assertions.
public struct FakeRequest: Sendable {
    public var method: String
    public var path: String
    /// Header names lowercased, in the order received.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// The body parsed as JSON, when it is JSON.
    public var json: JSONValue?
    /// Which connection carried it (1, 2, …), to check keep-alive.
    public var connection: Int

    /// The prompt, wherever the dialect puts it (`prompt`, or TGI's `inputs`).
    public var prompt: String? { json?["prompt"]?.stringValue ?? json?["inputs"]?.stringValue }

    /// Whether the client asked for a streamed answer (`stream: true`, TGI's `/generate_stream`, and
    /// Ollama's default).
    public var wantsStream: Bool {
        if path == "/generate_stream" { return true }
        if path == "/api/generate" { return json?["stream"]?.boolValue ?? true }
        return json?["stream"]?.boolValue ?? false
    }

    public func header(_ name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name == lowered }?.value
    }
}
