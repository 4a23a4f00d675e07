/// A configuration problem, worded so the person starting toolgate knows what to change.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The file, when the problem is in a config file.
    public var file: String?
    /// The key path inside the file (`models[1].backend.url`), when there is one.
    public var key: String?
    public var message: String

    public init(file: String? = nil, key: String? = nil, _ message: String) {
        self.file = file
        self.key = key
        self.message = message
    }

    public var description: String {
        var where_ = ""
        if let file { where_ += file }
        if let key { where_ += where_.isEmpty ? key : ": \(key)" }
        return where_.isEmpty ? message : "\(where_): \(message)"
    }
}
