import Foundation
public import JSON
import Yams

/// Everything `toolgate serve` needs: where to listen, which models it serves, limits and options.
/// Comes from a config file (JSON or YAML), from flags for a one-model setup, or both (flags win).
public struct GatewayConfiguration: Sendable {
    public var listenHost = "127.0.0.1"
    public var listenPort = 8080
    /// Accepted API keys; `TOOLGATE_API_KEYS` (comma-separated) adds to them. Empty = no authentication.
    public var apiKeys: [String] = []
    public var parsersDirectory: String?
    /// Where to append one JSON line per request (prompt, raw output, parsed result), if anywhere.
    public var capturePath: String?
    public var maxBodyBytes = 8 << 20
    public var callTableMaxBytes = 64 << 20
    public var callTableTimeToLive: Duration = .seconds(24 * 3600)
    /// How long shutdown waits for in-flight requests and streams before cutting them.
    public var shutdownGracePeriod: Duration = .seconds(10)
    public var models: [ModelProfile] = []

    public init() {}

    /// `host:port`, `:port` or `port`.
    public mutating func setListen(_ value: String) throws(ConfigurationError) {
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        let host = parts.count > 1 ? parts.dropLast().joined(separator: ":") : ""
        guard let port = parts.last.flatMap({ Int($0) }), (0...65535).contains(port) else {
            throw ConfigurationError("--listen '\(value)' is not HOST:PORT (for example 127.0.0.1:8080 or :8080)")
        }
        listenHost = host.isEmpty ? "0.0.0.0" : host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        listenPort = port
    }

    /// Loads a config file; YAML unless the file is JSON (by extension or a leading `{`).
    public static func load(file path: String) throws(ConfigurationError) -> GatewayConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, "cannot read the file (does it exist?)")
        }
        let text = String(decoding: data, as: UTF8.self)
        let value: JSONValue
        let trimmed = text.drop { $0.isWhitespace }
        if path.hasSuffix(".json") || trimmed.first == "{" {
            do { value = try JSONValue.parse(text) } catch {
                throw ConfigurationError(file: path, "not valid JSON: \(error)")
            }
        } else {
            value = try YAMLConversion.jsonValue(yaml: text, file: path)
        }
        return try GatewayConfiguration(value, file: path)
    }

    public init(_ value: JSONValue, file: String?) throws(ConfigurationError) {
        guard case .object(let object) = value else {
            throw ConfigurationError(file: file, "the top level must be a mapping")
        }
        let config = ConfigReader(object, file: file)
        try config.rejectUnknownKeys(["listen", "api_keys", "parsers_dir", "capture", "max_body_bytes", "call_table",
                                     "shutdown_grace_seconds", "models"])
        if let listen = try config.string("listen") {
            do { try setListen(listen) } catch { throw config.fail("listen", error.message) }
        }
        apiKeys = try config.strings("api_keys") ?? []
        parsersDirectory = try config.path("parsers_dir")
        capturePath = try config.path("capture")
        if let bytes = try config.integer("max_body_bytes") {
            guard bytes > 0 else { throw config.fail("max_body_bytes", "must be positive") }
            maxBodyBytes = bytes
        }
        if let seconds = try config.number("shutdown_grace_seconds") {
            shutdownGracePeriod = .milliseconds(Int64(max(0, seconds) * 1000))
        }
        if let table = try config.object("call_table") {
            try table.rejectUnknownKeys(["max_bytes", "ttl_seconds"])
            if let bytes = try table.integer("max_bytes") { callTableMaxBytes = bytes }
            if let seconds = try table.number("ttl_seconds") { callTableTimeToLive = .milliseconds(Int64(seconds * 1000)) }
        }
        var seen = Set<String>()
        for model in try config.objects("models") {
            let profile = try ModelProfile(model)
            guard seen.insert(profile.name).inserted else {
                throw model.fail("name", "'\(profile.name)' is defined twice")
            }
            models.append(profile)
        }
    }
}

/// YAML to JSON values, keeping mapping order and YAML 1.1/1.2 scalar types (int, float, bool, null).
enum YAMLConversion {
    static func jsonValue(yaml: String, file: String?) throws(ConfigurationError) -> JSONValue {
        let node: Node?
        do { node = try Yams.compose(yaml: yaml) } catch {
            throw ConfigurationError(file: file, "not valid YAML: \(error)")
        }
        guard let node else { return .object([:]) }
        return convert(node)
    }

    static func convert(_ node: Node) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if scalar.style == .plain {
                switch node.tag.rawValue {
                case Tag.Name.null.rawValue: return .null
                case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
                case Tag.Name.int.rawValue:
                    if let i = node.int { return .number(JSONNumber(i)) }
                case Tag.Name.float.rawValue:
                    if let d = node.float, d.isFinite { return .number(JSONNumber(d)) }
                default: break
                }
            }
            return .string(scalar.string)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping { object[key.string ?? ""] = convert(value) }
            return .object(object)
        case .sequence(let sequence):
            return .array(sequence.map(convert))
        case .alias:
            // compose() resolves aliases to their anchored nodes; a leftover alias has no value of its own.
            return .null
        }
    }
}
