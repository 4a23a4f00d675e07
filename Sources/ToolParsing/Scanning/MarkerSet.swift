#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A set of literal markers searched for together in one pass over UTF-8 bytes.
///
/// The scan looks only at bytes that can start a marker (a 256-entry table, or `memchr` when every
/// marker starts with the same byte). At a position where several markers match, the longest wins.
/// A marker cut by the end of the buffer is reported as `partial`, so a streaming caller can hold back
/// just those bytes: the cost of holding back is the marker's length, never a rescan of the buffer.
struct MarkerSet: Sendable {
    struct Marker: Sendable {
        let bytes: [UInt8]
        /// What the caller attached to the marker (e.g. which syntax it starts).
        let tag: Int
    }

    enum Found: Equatable {
        case none
        /// A prefix of some marker runs to the end of the buffer at this offset.
        case partial(at: Int)
        /// Marker number `index` (into `markers`) starts at this offset.
        case marker(index: Int, at: Int)
    }

    let markers: [Marker]
    /// For each byte value, the markers that start with it, longest first.
    private let byFirstByte: [[Int]]
    private let isFirstByte: [Bool]
    /// The distinct first bytes, when few enough to search each with `memchr`.
    private let firstBytes: [UInt8]

    init(_ markers: [Marker]) {
        let markers = markers.filter { !$0.bytes.isEmpty }
        var table = [[Int]](repeating: [], count: 256)
        for (index, marker) in markers.enumerated() {
            table[Int(marker.bytes[0])].append(index)
        }
        for b in 0..<256 {
            table[b].sort { markers[$0].bytes.count > markers[$1].bytes.count }
        }
        self.markers = markers
        byFirstByte = table
        isFirstByte = table.map { !$0.isEmpty }
        let firsts = Set(markers.map { $0.bytes[0] })
        firstBytes = firsts.count <= 4 ? firsts.sorted() : []
    }

    var isEmpty: Bool { markers.isEmpty }

    /// The first marker (or marker prefix cut by `end`, unless `final`) in `p[from..<end]`.
    func first(in p: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, final: Bool) -> Found {
        guard !markers.isEmpty, from < end, let base = p.baseAddress else { return .none }
        if firstBytes.isEmpty {
            var i = from
            while i < end {
                while i < end, !isFirstByte[Int(base[i])] { i += 1 }
                if i == end { return .none }
                if let found = matchAt(p, at: i, end: end, final: final) { return found }
                i += 1
            }
            return .none
        }
        // Few distinct first bytes: the next occurrence of each by memchr (SIMD), the nearest one first.
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: firstBytes.count) { next -> Found in
            func occurrence(_ byte: UInt8, from i: Int) -> Int {
                guard i < end, let hit = memchr(base + i, Int32(byte), end - i) else { return end }
                return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            for (k, byte) in firstBytes.enumerated() { next[k] = occurrence(byte, from: from) }
            while true {
                var nearest = end
                var which = -1
                for k in 0..<firstBytes.count where next[k] < nearest {
                    nearest = next[k]
                    which = k
                }
                if which < 0 { return .none }
                if let found = matchAt(p, at: nearest, end: end, final: final) { return found }
                next[which] = occurrence(firstBytes[which], from: nearest + 1)
            }
        }
    }

    /// What starts exactly at `at`: a marker, a marker prefix cut by `end`, or nil.
    func matchAt(_ p: UnsafeBufferPointer<UInt8>, at: Int, end: Int, final: Bool) -> Found? {
        guard at < end else { return nil }
        var longestFull: Int?
        for index in byFirstByte[Int(p[at])] {
            switch Bytes.compare(p, at: at, end: end, markers[index].bytes) {
            case .full: if longestFull == nil { longestFull = index }
            case .partial: if !final { return .partial(at: at) }
            case .none: break
            }
        }
        return longestFull.map { .marker(index: $0, at: at) }
    }
}
