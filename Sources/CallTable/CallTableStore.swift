/// Where recorded turns live: id → turn. The in-memory LRU is the default; a durable store (survives
/// restarts) or a shared one (several gateway replicas) implements the same protocol, and callers never
/// know which one they have.
///
/// A miss is never an error: the caller rebuilds the turn from structured data instead.
public protocol CallTableStore: Sendable {
    /// Records a turn under each of its call ids. Recording a turn whose ids are already known replaces it.
    func record(_ turn: RecordedTurn)
    /// The turn that produced the call `id`, if it is still held.
    func turn(forCallID id: String) -> RecordedTurn?
    /// Whether `id` is already in use (id generators use this to stay unique across turns).
    func contains(callID id: String) -> Bool
    /// Current size, for metrics.
    func statistics() -> CallTableStatistics
}

/// What a store holds right now and what it has done since it started.
public struct CallTableStatistics: Sendable, Equatable {
    public var turns: Int
    public var calls: Int
    public var bytes: Int
    public var hits: Int
    public var misses: Int
    public var evictions: Int

    public init(turns: Int = 0, calls: Int = 0, bytes: Int = 0, hits: Int = 0, misses: Int = 0, evictions: Int = 0) {
        self.turns = turns
        self.calls = calls
        self.bytes = bytes
        self.hits = hits
        self.misses = misses
        self.evictions = evictions
    }
}
