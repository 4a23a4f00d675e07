import Synchronization

/// The default store: in memory, bounded in bytes, least-recently-used turns evicted first, entries
/// expire after a time to live. Safe to use from many threads at once.
public final class MemoryCallTable: CallTableStore {
    public struct Limits: Sendable {
        /// Upper bound on the bytes the held turns are charged for (``RecordedTurn/cost``).
        public var maxBytes: Int
        /// How long a turn stays after it was last recorded or looked up.
        public var timeToLive: Duration

        public init(maxBytes: Int = 64 << 20, timeToLive: Duration = .seconds(24 * 3600)) {
            self.maxBytes = maxBytes
            self.timeToLive = timeToLive
        }
    }

    private let limits: Limits
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(LRUState())

    /// - Parameter now: the clock, injectable so tests can move time.
    public init(limits: Limits = Limits(), now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.limits = limits
        self.now = now
    }

    public func record(_ turn: RecordedTurn) {
        let cost = turn.cost
        let instant = now()
        state.withLock { state in
            for call in turn.calls { state.remove(callID: call.id) }
            // A turn bigger than the whole budget is not kept: keeping it would evict everything else.
            guard cost <= limits.maxBytes else { return }
            state.insert(turn, cost: cost, expires: instant + limits.timeToLive)
            while state.bytes > limits.maxBytes, state.evictOldest() {}
        }
    }

    public func turn(forCallID id: String) -> RecordedTurn? {
        let instant = now()
        return state.withLock { state in
            guard let slot = state.slotByCallID[id], let node = state.nodes[slot] else {
                state.misses += 1
                return nil
            }
            if node.expires <= instant {
                state.unlink(slot)
                state.misses += 1
                return nil
            }
            state.touch(slot, expires: instant + limits.timeToLive)
            state.hits += 1
            return node.turn
        }
    }

    public func contains(callID id: String) -> Bool {
        state.withLock { $0.slotByCallID[id] != nil }
    }

    public func statistics() -> CallTableStatistics {
        state.withLock { state in
            CallTableStatistics(turns: state.turnCount, calls: state.slotByCallID.count, bytes: state.bytes,
                                hits: state.hits, misses: state.misses, evictions: state.evictions)
        }
    }
}

/// The LRU list over slots (indices into `nodes`), most recent at `head`.
struct LRUState: ~Copyable {
    struct Node {
        var turn: RecordedTurn
        var cost: Int
        var expires: ContinuousClock.Instant
        var newer: Int?
        var older: Int?
    }

    var nodes: [Node?] = []
    var freeSlots: [Int] = []
    var slotByCallID: [String: Int] = [:]
    var head: Int?
    var tail: Int?
    var bytes = 0
    var turnCount = 0
    var hits = 0
    var misses = 0
    var evictions = 0

    mutating func insert(_ turn: RecordedTurn, cost: Int, expires: ContinuousClock.Instant) {
        let node = Node(turn: turn, cost: cost, expires: expires, newer: nil, older: head)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            nodes[slot] = node
        } else {
            slot = nodes.count
            nodes.append(node)
        }
        if let oldHead = head { nodes[oldHead]?.newer = slot }
        head = slot
        if tail == nil { tail = slot }
        for call in turn.calls { slotByCallID[call.id] = slot }
        bytes += cost
        turnCount += 1
    }

    mutating func touch(_ slot: Int, expires: ContinuousClock.Instant) {
        nodes[slot]?.expires = expires
        guard head != slot, let node = nodes[slot] else { return }
        detach(slot, node)
        nodes[slot]?.older = head
        nodes[slot]?.newer = nil
        if let oldHead = head { nodes[oldHead]?.newer = slot }
        head = slot
        if tail == nil { tail = slot }
    }

    /// Removes the least recently used turn; false when empty.
    mutating func evictOldest() -> Bool {
        guard let oldest = tail else { return false }
        unlink(oldest)
        evictions += 1
        return true
    }

    mutating func remove(callID id: String) {
        if let slot = slotByCallID[id] { unlink(slot) }
    }

    mutating func unlink(_ slot: Int) {
        guard let node = nodes[slot] else { return }
        detach(slot, node)
        for call in node.turn.calls where slotByCallID[call.id] == slot { slotByCallID[call.id] = nil }
        bytes -= node.cost
        turnCount -= 1
        nodes[slot] = nil
        freeSlots.append(slot)
    }

    private mutating func detach(_ slot: Int, _ node: Node) {
        if let newer = node.newer { nodes[newer]?.older = node.older } else { head = node.older }
        if let older = node.older { nodes[older]?.newer = node.newer } else { tail = node.newer }
    }
}
