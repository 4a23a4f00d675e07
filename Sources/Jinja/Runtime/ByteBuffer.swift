/// A growable byte buffer for writers on hot paths: appends are a bounds check and a copy, without the
/// uniqueness and generic-sequence overhead of `[UInt8].append(contentsOf:)`.
struct ByteBuffer: ~Copyable {
    private var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    /// A buffer over storage given back by ``relinquish()`` (emptied).
    init(reusing storage: (base: UnsafeMutablePointer<UInt8>, capacity: Int)) {
        base = storage.base
        capacity = storage.capacity
    }

    deinit { base.deallocate() }

    /// Gives up the storage without freeing it, for reuse by ``init(reusing:)``.
    consuming func relinquish() -> (base: UnsafeMutablePointer<UInt8>, capacity: Int) {
        let storage = (base, capacity)
        discard self
        return storage
    }

    @inline(__always)
    mutating func reserve(_ extra: Int) {
        guard count + extra > capacity else { return }
        grow(extra)
    }

    private mutating func grow(_ extra: Int) {
        var newCapacity = capacity * 2
        while newCapacity < count + extra { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// Lets `body` write into the reserved space after the current end; it returns how many bytes it wrote.
    @inline(__always)
    mutating func writeTail(_ body: (UnsafeMutableRawPointer) -> Int) {
        count += body(UnsafeMutableRawPointer(base + count))
    }

    /// Appends after ``reserve(_:)`` made room.
    @inline(__always)
    mutating func appendUnchecked(_ byte: UInt8) {
        base[count] = byte
        count += 1
    }

    /// Appends after ``reserve(_:)`` made room; short runs are copied inline rather than through memmove.
    @inline(__always)
    mutating func appendUnchecked(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress else { return }
        let n = bytes.count
        let target = UnsafeMutableRawPointer(base + count)
        let from = UnsafeRawPointer(source)
        // Short runs: two (possibly overlapping) loads and stores instead of a memmove call.
        if n >= 8 && n <= 16 {
            target.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
            (target + n - 8).storeBytes(of: (from + n - 8).loadUnaligned(as: UInt64.self), as: UInt64.self)
        } else if n >= 4 && n < 8 {
            target.storeBytes(of: from.loadUnaligned(as: UInt32.self), as: UInt32.self)
            (target + n - 4).storeBytes(of: (from + n - 4).loadUnaligned(as: UInt32.self), as: UInt32.self)
        } else if n < 4 {
            for i in 0..<n { base[count + i] = source[i] }
        } else {
            (base + count).update(from: source, count: n)
        }
        count += n
    }

    /// Appends the first `length` (≤ 8) bytes of `word`, little-endian: separators and keywords without a copy
    /// loop.
    @inline(__always)
    mutating func append(packed word: UInt64, length: Int) {
        reserve(8)
        UnsafeMutableRawPointer(base + count).storeBytes(of: word.littleEndian, as: UInt64.self)
        count += length
    }

    /// Packs up to eight bytes for ``append(packed:length:)``; nil when longer.
    static func pack(_ bytes: [UInt8]) -> (word: UInt64, length: Int)? {
        guard bytes.count <= 8 else { return nil }
        var word: UInt64 = 0
        for (i, b) in bytes.enumerated() { word |= UInt64(b) << (8 * UInt64(i)) }
        return (word, bytes.count)
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) {
        reserve(1)
        base[count] = byte
        count += 1
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        reserve(bytes.count)
        appendUnchecked(bytes)
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafePointer<UInt8>, count n: Int) {
        append(UnsafeBufferPointer(start: bytes, count: n))
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append($0) }
    }

    mutating func append(_ text: borrowing String) {
        let done: Void? = text.utf8.withContiguousStorageIfAvailable { append($0) }
        if done == nil {
            var contiguous = copy text
            contiguous.withUTF8 { append($0) }
        }
    }

    mutating func append(_ text: StaticString) {
        append(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// The bytes from `start` as a String.
    func string(from start: Int) -> String {
        ByteBuffer.makeString(UnsafeBufferPointer(start: base + start, count: count - start))
    }

    /// A String of bytes known to be valid UTF-8. The standard library validates every byte again, quickly for
    /// ASCII but several times slower once a buffer holds any non-ASCII text; so a long buffer with only a few
    /// non-ASCII runs is converted piecewise, ASCII runs on the fast path.
    static func makeString(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.count >= 256, let base = bytes.baseAddress else { return String(decoding: bytes, as: UTF8.self) }
        let n = bytes.count
        // Find the non-ASCII runs; give up on piecewise conversion when there are many.
        var runs: [(start: Int, end: Int)] = []
        var i = 0
        while i < n {
            while i + 8 <= n, UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            while i < n && base[i] < 0x80 { i += 1 }
            guard i < n else { break }
            let start = i
            while i < n && base[i] >= 0x80 { i += 1 }
            // Runs close together become one piece: a piece costs more than validating a few ASCII bytes slowly.
            if let last = runs.last, start - last.end < 96 {
                runs[runs.count - 1].end = i
            } else {
                runs.append((start, i))
                if runs.count > n / 512 { return String(decoding: bytes, as: UTF8.self) }
            }
        }
        if runs.isEmpty { return String(decoding: bytes, as: UTF8.self) }
        var result = ""
        result.reserveCapacity(n)
        var position = 0
        for run in runs {
            if run.start > position {
                result += String(decoding: UnsafeBufferPointer(start: base + position, count: run.start - position), as: UTF8.self)
            }
            result += String(decoding: UnsafeBufferPointer(start: base + run.start, count: run.end - run.start), as: UTF8.self)
            position = run.end
        }
        if n > position {
            result += String(decoding: UnsafeBufferPointer(start: base + position, count: n - position), as: UTF8.self)
        }
        return result
    }

    mutating func truncate(to newCount: Int) {
        count = min(count, max(0, newCount))
    }

    /// The bytes as a String (they are valid UTF-8: copied from Strings and ASCII).
    func string() -> String {
        ByteBuffer.makeString(UnsafeBufferPointer(start: base, count: count))
    }
}
