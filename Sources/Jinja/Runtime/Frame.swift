/// The variables of one scope at render time: the template's top level, one loop iteration, one macro call,
/// a `with` block. Names were resolved to slots when the template was compiled.
final class Frame {
    @exclusivity(unchecked) var slots: [Value?]
    @exclusivity(unchecked) var parent: Frame?
    /// Set when a macro (or recursive loop) keeps this frame or a descendant alive past its scope; such frames
    /// are never reused.
    @exclusivity(unchecked) var isCaptured = false

    init(slotCount: Int, parent: Frame?) {
        slots = Array(repeating: nil, count: slotCount)
        self.parent = parent
    }

    /// Marks this frame and its ancestors as kept alive by a closure.
    func markCaptured() {
        var frame: Frame? = self
        while let f = frame, !f.isCaptured {
            f.isCaptured = true
            frame = f.parent
        }
    }

    /// Forgets this scope's assignments (a new loop iteration starts from the enclosing values, as in jinja2).
    func reset() {
        for i in slots.indices { slots[i] = nil }
    }
}

/// The compile-time shape of a scope: which names it assigns, and their slots.
final class ScopeLayout: @unchecked Sendable {
    enum Kind {
        case root, loop, macro, block
    }

    let kind: Kind
    let parent: ScopeLayout?
    /// Index of this scope among the template's scopes (renderers keep spare frames per scope).
    let id: Int
    private(set) var slots: [String: Int] = [:]
    /// Set when a macro's body reads `caller`, `varargs` or `kwargs` (which then become parameters).
    var readsCaller = false
    var readsVarargs = false
    var readsKwargs = false
    /// Set when a loop body reads `loop`.
    var readsLoop = false
    /// A macro's declared parameter names (an explicit `caller` parameter is not the implicit one).
    var explicitParameters: Set<String> = []

    init(kind: Kind, parent: ScopeLayout?, id: Int) {
        self.kind = kind
        self.parent = parent
        self.id = id
    }

    var slotCount: Int { slots.count }

    /// The slot of `name` in this scope, created on first use.
    func slot(for name: String) -> Int {
        if let slot = slots[name] { return slot }
        let slot = slots.count
        slots[name] = slot
        return slot
    }

    func existingSlot(for name: String) -> Int? { slots[name] }

    var slotNames: [String] { Array(slots.keys) }
}
