/// An Aho–Corasick automaton over a set of delimiters (`</parameter>`, `<tool_call>`): state `s` means the
/// text so far ends with the delimiter prefix of trie node `s` (and contains no whole delimiter). It turns
/// "any text that contains none of these" into grammar rules, one per state, so a string or raw value inside
/// a call can hold anything except the markers that would end the call early — a value can still say
/// `</parameter` or `<tool` or `</parameter >`, just not the exact marker.
struct DelimiterAutomaton {
    /// Delimiters as scalar values.
    let delimiters: [[UInt32]]
    /// Trie children: `children[state][scalar] = state`.
    private var children: [[UInt32: Int]] = [[:]]
    private var failure: [Int] = [0]
    /// Whether reaching the state completes a delimiter (itself or through its failure chain).
    private var completes: [Bool] = [false]
    /// Every scalar that occurs in a delimiter; any other scalar sends every state back to the start.
    let alphabet: Set<UInt32>

    init(_ delimiters: [String]) {
        self.delimiters = delimiters.filter { !$0.isEmpty }.map { $0.unicodeScalars.map(\.value) }
        var alphabet = Set<UInt32>()
        for delimiter in self.delimiters {
            var state = 0
            for scalar in delimiter {
                alphabet.insert(scalar)
                if let next = children[state][scalar] {
                    state = next
                } else {
                    children.append([:])
                    failure.append(0)
                    completes.append(false)
                    children[state][scalar] = children.count - 1
                    state = children.count - 1
                }
            }
            completes[state] = true
        }
        self.alphabet = alphabet
        // Breadth-first failure links.
        var queue: [Int] = Array(children[0].values)
        var head = 0
        while head < queue.count {
            let state = queue[head]
            head += 1
            for (scalar, child) in children[state] {
                var fallback = failure[state]
                while fallback != 0, children[fallback][scalar] == nil { fallback = failure[fallback] }
                let target = children[fallback][scalar] ?? 0
                failure[child] = target == child ? 0 : target
                if completes[failure[child]] { completes[child] = true }
                queue.append(child)
            }
        }
    }

    var isEmpty: Bool { delimiters.isEmpty }

    /// Trie states; state 0 is "no delimiter prefix pending".
    var stateCount: Int { children.count }

    /// The state after reading `scalar` in `state`, or nil when that completes a delimiter.
    func next(_ state: Int, _ scalar: UInt32) -> Int? {
        var current = state
        while true {
            if let child = children[current][scalar] { return completes[child] ? nil : child }
            if current == 0 { return 0 }
            current = failure[current]
        }
    }

    /// The state after reading `text` from `state`, or nil when a delimiter completes in it.
    func run(_ text: some Sequence<UInt32>, from state: Int = 0) -> Int? {
        var current = state
        for scalar in text {
            guard let next = next(current, scalar) else { return nil }
            current = next
        }
        return current
    }

    /// Where the first delimiter occurrence ends when `text` is read from `state`: the number of scalars
    /// read, or nil when none completes.
    func firstMatchEnd(_ text: [UInt32], from state: Int) -> Int? {
        var current = state
        for (i, scalar) in text.enumerated() {
            guard let next = next(current, scalar) else { return i + 1 }
            current = next
        }
        return nil
    }

    /// States that are not completing ones (the rules a text can be in), reachable from 0.
    var liveStates: [Int] {
        var seen: Set<Int> = [0]
        var order = [0]
        var i = 0
        while i < order.count {
            for scalar in alphabet {
                if let next = next(order[i], scalar), seen.insert(next).inserted { order.append(next) }
            }
            i += 1
        }
        return order
    }
}
