/// Finds where a `NAME[CALL_ID]ID[ARGS]{…}` body ends (Mistral v11+; `[CALL_ID]…` and `[ARGS]` are
/// optional, so `NAME{…}` works too) in bytes that may arrive in pieces, and records where the name,
/// the id and the arguments object are.
struct NameThenJSONScanner: Sendable {
    struct Markers: Sendable, Equatable {
        var id: [UInt8]?
        var arguments: [UInt8]?
    }

    private enum Phase { case leading, name, afterName, id, afterArguments, json }

    let markers: Markers
    private(set) var position: Int
    private var phase = Phase.leading
    private(set) var nameRange: Range<Int>?
    private(set) var idRange: Range<Int>?
    private var nameStart = 0
    private var idStart = 0
    private var seenArgumentsMarker = false
    private(set) var json: JSONExtentScanner?

    init(from position: Int, markers: Markers) {
        self.position = position
        self.markers = markers
    }

    /// Bytes allowed in a function name: identifier bytes, `-` `.` `:` `/`, and non-ASCII.
    static func isNameByte(_ b: UInt8) -> Bool {
        Bytes.isIdentifierByte(b) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".") || b == UInt8(ascii: ":")
            || b == UInt8(ascii: "/") || b >= 0x80
    }

    mutating func scan(_ p: UnsafeBufferPointer<UInt8>, base: Int = 0, to end: Int,
                       final: Bool) -> JSONExtentScanner.Status
    {
        var i = position - base
        let stop = end - base
        defer { if phase != .json { position = i + base } }
        while i < stop, phase != .json {
            let b = p[i]
            switch phase {
            case .leading:
                if Bytes.isWhitespace(b) { break }
                guard Self.isNameByte(b) else { return .failed(at: i + base) }
                nameStart = i + base
                phase = .name
            case .name:
                if Self.isNameByte(b) { break }
                nameRange = nameStart..<(i + base)
                phase = .afterName
                continue
            case .afterName, .afterArguments:
                if Bytes.isWhitespace(b) { break }
                if b == UInt8(ascii: "{") {
                    startJSON(at: i + base)
                    continue
                }
                guard phase == .afterName, b == UInt8(ascii: "[") else { return .failed(at: i + base) }
                switch marker(p, at: i, stop: stop, final: final) {
                case .needMore: return .needMore
                case .none: return .failed(at: i + base)
                case .id(let length):
                    guard idRange == nil else { return .failed(at: i + base) }
                    i += length
                    idStart = i + base
                    phase = .id
                    continue
                case .arguments(let length):
                    i += length
                    phase = .afterArguments
                    continue
                }
            case .id:
                if Bytes.isIdentifierByte(b) || b == UInt8(ascii: "-") { break }
                idRange = idStart..<(i + base)
                phase = .afterName
                continue
            case .json:
                break
            }
            i += 1
        }
        guard phase == .json, var json else {
            if final, phase == .name { nameRange = nameStart..<(i + base) }
            return .needMore
        }
        let status = json.scan(p, base: base, to: end)
        self.json = json
        position = json.position
        return status
    }

    private enum MarkerHit { case needMore, none, id(Int), arguments(Int) }

    private func marker(_ p: UnsafeBufferPointer<UInt8>, at i: Int, stop: Int, final: Bool) -> MarkerHit {
        var partial = false
        if let id = markers.id {
            switch Bytes.compare(p, at: i, end: stop, id) {
            case .full: return .id(id.count)
            case .partial: partial = true
            case .none: break
            }
        }
        if let arguments = markers.arguments {
            switch Bytes.compare(p, at: i, end: stop, arguments) {
            case .full: return .arguments(arguments.count)
            case .partial: partial = true
            case .none: break
            }
        }
        return partial && !final ? .needMore : .none
    }

    private mutating func startJSON(at offset: Int) {
        phase = .json
        json = JSONExtentScanner(from: offset, top: .object)
    }

    /// Where the arguments object starts, once seen.
    var argumentsStart: Int? { json?.valueStart ?? (phase == .json ? position : nil) }
}
