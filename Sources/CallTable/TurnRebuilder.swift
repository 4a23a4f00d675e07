import JSON

/// A tool call as a client sent it back inside an assistant message.
public struct ReturnedCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The arguments JSON text as the client sent it.
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// What an assistant turn that came back from a client becomes in the next prompt.
public enum RebuiltTurn: Sendable, Equatable {
    /// Every call came back as it was produced: the model's raw output, byte for byte (after the
    /// reasoning, which is returned apart).
    case exact(String, reasoning: String?)
    /// Some calls were known: their raw text where unchanged, the rest written by the family's `render`.
    case patched(String, reasoning: String?)
    /// No call id was known (another gateway's, expired, or made up by the client): the turn written whole
    /// by the family's `render`, from structured data.
    case rendered(String)
}

/// Rebuilds assistant turns from the call table. It never fails: whatever is missing or edited is
/// written with the family's `render` (DESIGN.md: a miss is never an error).
public struct TurnRebuilder: Sendable {
    public let store: any CallTableStore
    /// Writes calls as the model's family would have produced them (used for unknown or edited calls).
    public let render: @Sendable ([ReturnedCall]) -> String

    public init(store: any CallTableStore, render: @escaping @Sendable ([ReturnedCall]) -> String) {
        self.store = store
        self.render = render
    }

    public func rebuild(content: String?, calls: [ReturnedCall]) -> RebuiltTurn {
        guard !calls.isEmpty else { return .rendered(content ?? "") }
        let turns = calls.map { store.turn(forCallID: $0.id) }
        guard let primary = turns.compactMap({ $0 }).first else { return .rendered((content ?? "") + render(calls)) }

        let sameTurn = turns.allSatisfy { $0 == nil || $0 == primary }
        let contentIntact = Self.sameContent(content, primary.content)
        if sameTurn, contentIntact, calls.count == primary.calls.count,
           zip(calls, primary.calls).allSatisfy({ Self.unchanged($0, $1) })
        {
            return .exact(primary.rawText, reasoning: primary.reasoning)
        }
        if sameTurn, primary.callsAreBlocks, let spliced = splice(primary, calls: calls, content: content,
                                                                  contentIntact: contentIntact)
        {
            return .patched(spliced, reasoning: primary.reasoning)
        }
        return .patched(renderWhole(calls, turns: turns, content: content), reasoning: primary.reasoning)
    }

    /// Keeps the raw turn and edits it: dropped calls removed, edited calls re-rendered in place, new calls
    /// appended after the last kept one. Needs the returned calls in their original order.
    private func splice(_ turn: RecordedTurn, calls: [ReturnedCall], content: String?, contentIntact: Bool) -> String? {
        var returnedByID: [String: ReturnedCall] = [:]
        for call in calls where turn.calls.contains(where: { $0.id == call.id }) {
            guard returnedByID.updateValue(call, forKey: call.id) == nil else { return nil }
        }
        let knownOrder = calls.compactMap { call in turn.calls.firstIndex { $0.id == call.id } }
        guard knownOrder == knownOrder.sorted() else { return nil }

        guard let first = turn.calls.first, let last = turn.calls.last else { return nil }
        var text = contentIntact ? String(turn.rawSlice(0, first.span.lowerBound)) : (content ?? "")
        // Between two kept calls goes the separator that followed the first of them in the original.
        var pendingSeparator: Substring?
        for (position, original) in turn.calls.enumerated() {
            guard let returned = returnedByID[original.id] else { continue }
            if let separator = pendingSeparator { text += separator }
            text += Self.unchanged(returned, original) ? String(turn.rawText(of: original)) : render([returned])
            let next = position + 1 < turn.calls.count ? turn.calls[position + 1].span.lowerBound : original.span.upperBound
            pendingSeparator = turn.rawSlice(original.span.upperBound, next)
        }
        let added = calls.filter { returnedByID[$0.id] == nil }
        if !added.isEmpty { text += render(added) }
        text += turn.rawSlice(last.span.upperBound, turn.rawText.utf8.count)
        return text
    }

    /// The whole turn written by `render`, keeping each known call's argument bytes as the model wrote them.
    private func renderWhole(_ calls: [ReturnedCall], turns: [RecordedTurn?], content: String?) -> String {
        let rendered = zip(calls, turns).map { call, turn -> ReturnedCall in
            guard let original = turn?.calls.first(where: { $0.id == call.id }), Self.unchanged(call, original) else {
                return call
            }
            return ReturnedCall(id: call.id, name: original.name, arguments: original.arguments)
        }
        return (content ?? "") + render(rendered)
    }

    static func unchanged(_ returned: ReturnedCall, _ original: RecordedTurn.Call) -> Bool {
        guard returned.id == original.id, returned.name == original.name else { return false }
        if returned.arguments == original.arguments { return true }
        guard let a = try? JSONValue.parse(returned.arguments), let b = try? JSONValue.parse(original.arguments) else {
            return false
        }
        return a == b
    }

    /// Content compared as clients treat it: nil and "" are the same, surrounding whitespace ignored.
    static func sameContent(_ a: String?, _ b: String?) -> Bool {
        (a ?? "").trimmingWhitespace() == (b ?? "").trimmingWhitespace()
    }
}

extension String {
    func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return String(scalars[start...end])
    }
}
