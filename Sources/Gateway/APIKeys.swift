/// The API keys a gateway accepts (`Authorization: Bearer <key>`); empty = no authentication.
///
/// Keys are compared in constant time (for a given key length), so response timing does not reveal how
/// much of a guess was right. Keys never appear in logs or errors.
public struct APIKeys: Sendable {
    private let keys: [[UInt8]]

    public init(_ keys: [String]) {
        self.keys = keys.filter { !$0.isEmpty }.map { Array($0.utf8) }
    }

    /// Keys from a comma-separated environment value (`TOOLGATE_API_KEYS`), whitespace trimmed.
    public static func split(environmentValue: String?) -> [String] {
        (environmentValue ?? "").split(separator: ",").map { String($0.filter { !$0.isWhitespace }) }
    }

    public var isEnabled: Bool { !keys.isEmpty }

    /// Whether an `Authorization` header value carries an accepted key.
    public func authorizes(authorizationHeader: String?) -> Bool {
        guard isEnabled else { return true }
        guard let header = authorizationHeader else { return false }
        let prefix = "bearer "
        guard header.utf8.count > prefix.utf8.count,
              header.prefix(prefix.count).lowercased() == prefix
        else { return false }
        let presented = Array(header.utf8.dropFirst(prefix.utf8.count))
        var accepted = false
        for key in keys where Self.constantTimeEqual(key, presented) { accepted = true }
        return accepted
    }

    /// Compares every byte of the longer input whatever the content, so timing only depends on lengths.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        let n = max(a.count, b.count)
        for i in 0..<n {
            let x = i < a.count ? a[i] : 0
            let y = i < b.count ? b[i] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
