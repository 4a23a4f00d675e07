/// The four deadlines of one backend request. A nil limit is off.
///
/// `firstByte` covers prompt processing (a long prompt on a slow model can take a while before the
/// first token); `stall` is the gap allowed between bytes once the response has started; `total`
/// bounds the whole transfer, connection included.
public struct BackendTimeouts: Sendable, Equatable {
    public var connect: Duration?
    public var firstByte: Duration?
    public var stall: Duration?
    public var total: Duration?

    public init(
        connect: Duration? = .seconds(5), firstByte: Duration? = .seconds(120), stall: Duration? = .seconds(60),
        total: Duration? = .seconds(600)
    ) {
        self.connect = connect
        self.firstByte = firstByte
        self.stall = stall
        self.total = total
    }

    /// Short limits for `/health` and `/props`: a backend that cannot answer those quickly is not ready.
    public static let probe = BackendTimeouts(
        connect: .seconds(2), firstByte: .seconds(5), stall: .seconds(5),
        total: .seconds(10))
}
