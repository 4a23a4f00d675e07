/// A growable stack whose top elements can be moved out into an exact-size Array in one go,
/// without copying (no retain/release per element, one allocation per container).
struct RawStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 64
        base = .allocate(capacity: capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity {
            let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Moves the elements from `start` to the top into a new array and pops them.
    @inline(__always)
    mutating func popArray(from start: Int) -> [Element] {
        let n = count - start
        let source = base + start
        var result: [Element] = []
        result.reserveCapacity(n)
        for i in 0..<n { result.append((source + i).move()) }
        count = start
        return result
    }

    subscript(position: Int) -> Element {
        @inline(__always) get { base[position] }
    }

    /// Drops (deinitializes) the elements above `start`; used when parsing fails midway.
    mutating func truncate(to start: Int) {
        guard count > start else { return }
        (base + start).deinitialize(count: count - start)
        count = start
    }
}
