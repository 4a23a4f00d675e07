/// A set of literal markers searched for together in one pass over UTF-8 bytes.
///
/// The scan skips sixteen bytes at a time (SIMD compares against the markers' first bytes) and looks
/// closer only where a marker can start. At a position where several markers match, the longest wins. A marker cut by the end
/// of the buffer is reported as `partial`, so a streaming caller can hold back just those bytes: the
/// cost of holding back is the marker's length, never a rescan of the buffer.
/// A class: it is immutable and shared, and the scanner's hot loop should not copy its tables.
final class MarkerSet: Sendable {
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
    /// Marker indices grouped by first byte, longest first within a group; `groupStart[b]..<groupStart[b + 1]`
    /// is the group of byte `b`.
    private let grouped: [Int]
    private let groupStart: [Int]
    /// Which bytes start a marker, as a 256-bit map.
    private let firstByteMap: (UInt64, UInt64, UInt64, UInt64)
    /// Up to four first bytes, each repeated across a vector (padded with the first one), for comparing
    /// sixteen bytes at once; nil when more bytes start markers.
    private let splats: (SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>, SIMD16<UInt8>)?

    init(_ markers: [Marker]) {
        let markers = markers.filter { !$0.bytes.isEmpty }
        let order = markers.indices.sorted { a, b in
            let (x, y) = (markers[a].bytes, markers[b].bytes)
            return x[0] != y[0] ? x[0] < y[0] : x.count > y.count
        }
        var starts = [Int](repeating: order.count, count: 257)
        for (position, index) in order.enumerated().reversed() { starts[Int(markers[index].bytes[0])] = position }
        for b in stride(from: 255, through: 0, by: -1) where starts[b] == order.count { starts[b] = starts[b + 1] }
        var map: [UInt64] = [0, 0, 0, 0]
        for marker in markers { map[Int(marker.bytes[0] >> 6)] |= 1 << UInt64(marker.bytes[0] & 63) }
        self.markers = markers
        grouped = order
        groupStart = starts
        firstByteMap = (map[0], map[1], map[2], map[3])
        let firsts = Set(markers.map { $0.bytes[0] }).sorted()
        if let first = firsts.first, firsts.count <= 4 {
            let padded = firsts + Array(repeating: first, count: 4 - firsts.count)
            splats = (SIMD16(repeating: padded[0]), SIMD16(repeating: padded[1]), SIMD16(repeating: padded[2]),
                      SIMD16(repeating: padded[3]))
        } else {
            splats = nil
        }
    }


    /// The first marker (or marker prefix cut by `end`, unless `final`) in `p[from..<end]`.
    func first(in p: UnsafeBufferPointer<UInt8>, from: Int, to end: Int, final: Bool) -> Found {
        guard !markers.isEmpty, from < end, let base = p.baseAddress else { return .none }
        var i = from
        if let (s0, s1, s2, s3) = splats {
            // Sixteen bytes at a time: skip blocks that hold none of the (at most four) first bytes.
            let raw = UnsafeRawPointer(base)
            while i + 16 <= end {
                let block = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                if any((block .== s0) .| (block .== s1) .| (block .== s2) .| (block .== s3)) { break }
                i += 16
            }
        }
        let (w0, w1, w2, w3) = firstByteMap
        while i < end {
            let b = base[i]
            let word = b < 128 ? (b < 64 ? w0 : w1) : (b < 192 ? w2 : w3)
            if (word >> UInt64(b & 63)) & 1 != 0 {
                if let found = matchAt(p, at: i, end: end, final: final) { return found }
            }
            i += 1
        }
        return .none
    }

    /// What starts exactly at `at`: a marker, a marker prefix cut by `end`, or nil.
    func matchAt(_ p: UnsafeBufferPointer<UInt8>, at: Int, end: Int, final: Bool) -> Found? {
        guard at < end else { return nil }
        let b = Int(p[at])
        var longestFull: Int?
        for position in groupStart[b]..<groupStart[b + 1] {
            let index = grouped[position]
            switch Bytes.compare(p, at: at, end: end, markers[index].bytes) {
            case .full: if longestFull == nil { longestFull = index }
            case .partial: if !final { return .partial(at: at) }
            case .none: break
            }
        }
        return longestFull.map { .marker(index: $0, at: at) }
    }
}
