import CallTable
import Testing

@Suite("Rebuilding assistant turns")
struct TurnRebuilderTests {
    /// Renders like a hermes model would, marked so tests see which parts were rendered.
    static let render: @Sendable ([ReturnedCall]) -> String = { calls in
        calls.map { "<R>{\"name\": \"\($0.name)\", \"arguments\": \($0.arguments)}</R>" }.joined()
    }

    func rebuilder(_ turns: RecordedTurn...) -> TurnRebuilder {
        let table = MemoryCallTable()
        turns.forEach(table.record)
        return TurnRebuilder(store: table, render: Self.render)
    }

    func returned(_ turn: RecordedTurn) -> [ReturnedCall] {
        turn.calls.map { ReturnedCall(id: $0.id, name: $0.name, arguments: $0.arguments) }
    }

    @Test("a turn that comes back intact is the model's raw bytes")
    func exact() {
        let turn = makeTurn(["a", "b"], text: "Let me check.\n")
        let result = rebuilder(turn).rebuild(content: "Let me check.", calls: returned(turn))
        #expect(result == .exact(turn.rawText, reasoning: nil))
    }

    @Test("arguments re-serialized by the client still count as unchanged")
    func reserialized() {
        let turn = makeTurn(["a"])
        let calls = [ReturnedCall(id: "a", name: "f", arguments: "{\"id\":\"a\"}")]
        #expect(rebuilder(turn).rebuild(content: nil, calls: calls) == .exact(turn.rawText, reasoning: nil))
    }

    @Test("a turn with no known id is written whole by the family's render, content first")
    func unknown() {
        let calls = [ReturnedCall(id: "zzz", name: "f", arguments: "{}")]
        #expect(rebuilder(makeTurn(["a"])).rebuild(content: "Sure. ", calls: calls) == .rendered("Sure. " + Self.render(calls)))
    }

    @Test("reasoning comes back apart from the raw text")
    func reasoning() {
        var turn = makeTurn(["a"])
        turn.reasoning = "thinking about it"
        let result = rebuilder(turn).rebuild(content: nil, calls: returned(turn))
        #expect(result == .exact(turn.rawText, reasoning: "thinking about it"))
    }

    @Test("a dropped call is cut out and the others keep their raw bytes")
    func dropped() {
        let turn = makeTurn(["a", "b", "c"])
        var calls = returned(turn)
        calls.remove(at: 1)
        let expected = String(turn.rawText(of: turn.calls[0])) + String(turn.rawText(of: turn.calls[2]))
        #expect(rebuilder(turn).rebuild(content: nil, calls: calls) == .patched(expected, reasoning: nil))
    }

    @Test("an edited call is re-rendered in place")
    func edited() {
        let turn = makeTurn(["a", "b"])
        var calls = returned(turn)
        calls[1].arguments = "{\"id\": \"changed\"}"
        let expected = String(turn.rawText(of: turn.calls[0])) + Self.render([calls[1]])
        #expect(rebuilder(turn).rebuild(content: nil, calls: calls) == .patched(expected, reasoning: nil))
    }

    @Test("an unknown extra call is rendered after the known ones")
    func added() {
        let turn = makeTurn(["a"])
        let extra = ReturnedCall(id: "new", name: "g", arguments: "{}")
        let result = rebuilder(turn).rebuild(content: nil, calls: returned(turn) + [extra])
        #expect(result == .patched(turn.rawText + Self.render([extra]), reasoning: nil))
    }

    @Test("edited content replaces the raw text before the first call")
    func editedContent() {
        let turn = makeTurn(["a"], text: "Original. ")
        let result = rebuilder(turn).rebuild(content: "Edited. ", calls: returned(turn))
        #expect(result == .patched("Edited. " + turn.rawText(of: turn.calls[0]), reasoning: nil))
    }

    @Test("reordered calls are rendered whole, keeping known argument bytes")
    func reordered() {
        let turn = makeTurn(["a", "b"])
        let calls = Array(returned(turn).reversed())
        #expect(rebuilder(turn).rebuild(content: nil, calls: calls) == .patched(Self.render(calls), reasoning: nil))
    }

    @Test("calls from two different turns are rendered whole")
    func mixedTurns() {
        let first = makeTurn(["a"])
        let second = makeTurn(["b"])
        let calls = returned(first) + returned(second)
        #expect(rebuilder(first, second).rebuild(content: nil, calls: calls) == .patched(Self.render(calls), reasoning: nil))
    }

    @Test("a turn whose calls are not self-contained blocks is rendered whole when edited")
    func nonBlockTurn() {
        var turn = makeTurn(["a", "b"])
        turn.callsAreBlocks = false
        let calls = [returned(turn)[0]]
        #expect(rebuilder(turn).rebuild(content: nil, calls: calls) == .patched(Self.render(calls), reasoning: nil))
    }
}
