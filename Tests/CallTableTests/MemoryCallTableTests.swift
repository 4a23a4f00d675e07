import CallTable
import Synchronization
import Testing

/// A clock tests can move by hand.
final class ManualClock: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    func now() -> ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(_ duration: Duration) { instant.withLock { $0 += duration } }
}

func makeTurn(_ ids: [String], text: String = "") -> RecordedTurn {
    var raw = text
    var calls: [RecordedTurn.Call] = []
    for id in ids {
        let block = "<tool_call>{\"name\": \"f\", \"arguments\": {\"id\": \"\(id)\"}}</tool_call>"
        let start = raw.utf8.count
        raw += block
        calls.append(.init(id: id, name: "f", arguments: "{\"id\": \"\(id)\"}", span: start..<raw.utf8.count))
    }
    return RecordedTurn(rawText: raw, content: text.isEmpty ? nil : text, calls: calls)
}

@Suite("In-memory call table")
struct MemoryCallTableTests {
    @Test("finds a turn by any of its call ids")
    func lookup() {
        let table = MemoryCallTable()
        let turn = makeTurn(["call_a", "call_b"])
        table.record(turn)
        #expect(table.turn(forCallID: "call_a") == turn)
        #expect(table.turn(forCallID: "call_b") == turn)
        #expect(table.turn(forCallID: "call_c") == nil)
        let stats = table.statistics()
        #expect(stats.turns == 1 && stats.calls == 2 && stats.hits == 2 && stats.misses == 1)
        #expect(stats.bytes == turn.cost)
    }

    @Test("stays within its byte budget by evicting the least recently used turn")
    func lruEviction() {
        let one = makeTurn(["a"])
        let table = MemoryCallTable(limits: .init(maxBytes: one.cost * 3))
        table.record(makeTurn(["a"]))
        table.record(makeTurn(["b"]))
        table.record(makeTurn(["c"]))
        _ = table.turn(forCallID: "a")  // a is now the most recent; b is the oldest
        table.record(makeTurn(["d"]))
        #expect(table.turn(forCallID: "b") == nil)
        #expect(table.turn(forCallID: "a") != nil)
        #expect(table.turn(forCallID: "c") != nil)
        #expect(table.turn(forCallID: "d") != nil)
        #expect(table.statistics().evictions == 1)
        #expect(table.statistics().bytes <= one.cost * 3)
    }

    @Test("forgets turns once their time to live has passed since last use")
    func ttl() {
        let clock = ManualClock()
        let table = MemoryCallTable(limits: .init(timeToLive: .seconds(60)), now: clock.now)
        table.record(makeTurn(["a"]))
        table.record(makeTurn(["b"]))
        clock.advance(.seconds(40))
        #expect(table.turn(forCallID: "a") != nil)  // refreshes a
        clock.advance(.seconds(30))
        #expect(table.turn(forCallID: "a") != nil)
        #expect(table.turn(forCallID: "b") == nil)
        #expect(table.statistics().turns == 1)
    }

    @Test("a turn larger than the whole budget is not kept and evicts nothing")
    func oversized() {
        let small = makeTurn(["a"])
        let table = MemoryCallTable(limits: .init(maxBytes: small.cost * 2))
        table.record(small)
        table.record(makeTurn(["big"], text: String(repeating: "x", count: small.cost * 3)))
        #expect(table.turn(forCallID: "big") == nil)
        #expect(table.turn(forCallID: "a") != nil)
    }

    @Test("recording ids again replaces the old turn without leaking its bytes")
    func rerecord() {
        let table = MemoryCallTable()
        table.record(makeTurn(["a", "b"]))
        let replacement = makeTurn(["b"], text: "new")
        table.record(replacement)
        #expect(table.turn(forCallID: "b") == replacement)
        #expect(table.turn(forCallID: "a") == nil)
        #expect(table.statistics().bytes == replacement.cost)
    }

    @Test("is safe under concurrent recording and lookups")
    func concurrency() async {
        let table = MemoryCallTable(limits: .init(maxBytes: 1 << 20))
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for i in 0..<500 {
                        let id = "w\(worker)-\(i)"
                        table.record(makeTurn([id]))
                        #expect(table.turn(forCallID: id)?.calls.first?.id == id)
                    }
                }
            }
        }
        let stats = table.statistics()
        #expect(stats.calls == stats.turns)
        #expect(stats.bytes <= 1 << 20)
    }
}
