/// Finds where one JSON object or array ends in bytes that may arrive in pieces, checking its syntax on
/// the way, so a parser knows a call body is complete (or broken) without re-reading what it has seen.
///
/// Resumable: call ``scan(_:to:)`` again when more bytes arrived; it continues from ``position``.
/// Positions are absolute offsets (the caller's buffer may start at any base). Strings are checked
/// for escapes and raw control characters, numbers for the JSON grammar; UTF-8 validity is left to the
/// string decoder. Optionally records where the members of call objects and the elements of a
/// top-level array are, which body kinds and eager streaming use to find `name` and `arguments`.
struct JSONExtentScanner: Sendable {
    enum Status: Equatable {
        /// The value is not finished; at the end of the output this means truncated.
        case needMore
        /// The value ends just before `end`.
        case complete(end: Int)
        /// The byte at `at` cannot continue any JSON text.
        case failed(at: Int)
    }

    /// One `"key": value` of an object at the recorded depth; `value` is open (`upperBound` unknown)
    /// while `valueEnd` is nil.
    struct Member: Sendable {
        var key: Range<Int>
        var valueStart: Int
        var valueEnd: Int?
        /// Index into `objects` of the object this member belongs to.
        var object: Int
    }

    struct Span: Sendable {
        var start: Int
        var end: Int?
    }

    enum Top: Sendable { case object, array, either }

    private enum Mode: UInt8 {
        case start, value, valueOrClose, key, keyOrClose, colon, commaOrClose
        case string, escape, unicode, number, literal, done
    }

    private(set) var position: Int
    private let top: Top
    private var mode: Mode = .start
    /// Open containers: `{` or `[`.
    private var stack: [UInt8] = []
    private var stringIsKey = false
    private var hexRemaining = 0
    private var numberState: UInt8 = 0
    private var literal: StaticString = "null"
    private var literalIndex = 0
    private let maxDepth = 512

    /// Depth of the objects whose members are recorded (1: the top-level object; 2: objects inside a
    /// top-level array); 0 records nothing.
    let memberDepth: Int
    private(set) var members: [Member] = []
    /// Objects at `memberDepth`.
    private(set) var objects: [Span] = []
    /// Elements of a top-level array.
    private(set) var elements: [Span] = []
    private var pendingKey: Range<Int>?
    private var keyStart = 0

    init(from position: Int, top: Top = .either, memberDepth: Int = 0) {
        self.position = position
        self.top = top
        self.memberDepth = memberDepth
    }

    /// The value's first byte, once seen.
    private(set) var valueStart: Int?

    var isComplete: Bool { mode == .done }

    /// Scans `p[position..<end]` (absolute offsets; `p` starts at offset `base`).
    mutating func scan(_ p: UnsafeBufferPointer<UInt8>, base: Int = 0, to end: Int) -> Status {
        var i = position - base
        let stop = end - base
        defer { position = i + base }
        while i < stop {
            let b = p[i]
            switch mode {
            case .string:
                // Hot loop: plain string bytes.
                var j = i
                while j < stop {
                    let c = p[j]
                    if c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") || c < 0x20 { break }
                    j += 1
                }
                i = j
                if i == stop { return .needMore }
                let c = p[i]
                if c == UInt8(ascii: "\\") {
                    mode = .escape
                } else if c < 0x20 {
                    return .failed(at: i + base)
                } else {
                    // Closing quote.
                    if stringIsKey {
                        if recordingKeys { pendingKey = keyStart..<(i + base + 1) }
                        mode = .colon
                    } else {
                        valueEnded(at: i + base + 1)
                    }
                }
                i += 1
                continue
            case .escape:
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    mode = .string
                case UInt8(ascii: "u"):
                    mode = .unicode
                    hexRemaining = 4
                default:
                    return .failed(at: i + base)
                }
            case .unicode:
                guard Self.isHex(b) else { return .failed(at: i + base) }
                hexRemaining -= 1
                if hexRemaining == 0 { mode = .string }
            case .number:
                if let next = Self.numberTransition(numberState, b) {
                    numberState = next
                } else {
                    guard Self.numberCanEnd(numberState) else { return .failed(at: i + base) }
                    valueEnded(at: i + base)
                    continue  // this byte belongs to what follows the number
                }
            case .literal:
                guard b == literal.utf8Start[literalIndex] else { return .failed(at: i + base) }
                literalIndex += 1
                if literalIndex == literal.utf8CodeUnitCount { valueEnded(at: i + base + 1) }
            case .start:
                if Bytes.isWhitespace(b) { break }
                let allowed: Bool
                switch top {
                case .object: allowed = b == UInt8(ascii: "{")
                case .array: allowed = b == UInt8(ascii: "[")
                case .either: allowed = b == UInt8(ascii: "{") || b == UInt8(ascii: "[")
                }
                guard allowed else { return .failed(at: i + base) }
                valueStart = i + base
                open(b, at: i + base)
            case .value, .valueOrClose:
                if Bytes.isWhitespace(b) { break }
                if mode == .valueOrClose && b == UInt8(ascii: "]") {
                    close(at: i + base)
                    break
                }
                guard startValue(b, at: i + base) else { return .failed(at: i + base) }
            case .key, .keyOrClose:
                if Bytes.isWhitespace(b) { break }
                if mode == .keyOrClose && b == UInt8(ascii: "}") {
                    close(at: i + base)
                    break
                }
                guard b == UInt8(ascii: "\"") else { return .failed(at: i + base) }
                stringIsKey = true
                keyStart = i + base
                mode = .string
            case .colon:
                if Bytes.isWhitespace(b) { break }
                guard b == UInt8(ascii: ":") else { return .failed(at: i + base) }
                mode = .value
            case .commaOrClose:
                if Bytes.isWhitespace(b) { break }
                let container = stack[stack.count - 1]
                if b == UInt8(ascii: ",") {
                    mode = container == UInt8(ascii: "{") ? .key : .value
                } else if (b == UInt8(ascii: "}") && container == UInt8(ascii: "{"))
                    || (b == UInt8(ascii: "]") && container == UInt8(ascii: "["))
                {
                    close(at: i + base)
                } else {
                    return .failed(at: i + base)
                }
            case .done:
                return .complete(end: i + base)
            }
            i += 1
            if mode == .done { return .complete(end: i + base) }
        }
        return mode == .done ? .complete(end: i + base) : .needMore
    }

    private var recordingKeys: Bool { memberDepth > 0 && stack.count == memberDepth }

    private mutating func startValue(_ b: UInt8, at offset: Int) -> Bool {
        switch b {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            valueStarted(at: offset)
            guard stack.count < maxDepth else { return false }
            open(b, at: offset)
        case UInt8(ascii: "\""):
            valueStarted(at: offset)
            stringIsKey = false
            mode = .string
        case UInt8(ascii: "-"):
            valueStarted(at: offset)
            numberState = 0
            mode = .number
        case UInt8(ascii: "0"):
            valueStarted(at: offset)
            numberState = 1
            mode = .number
        case UInt8(ascii: "1")...UInt8(ascii: "9"):
            valueStarted(at: offset)
            numberState = 2
            mode = .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            valueStarted(at: offset)
            literal = b == UInt8(ascii: "t") ? "true" : b == UInt8(ascii: "f") ? "false" : "null"
            literalIndex = 1
            mode = .literal
        default:
            return false
        }
        return true
    }

    private mutating func open(_ b: UInt8, at offset: Int) {
        stack.append(b)
        if b == UInt8(ascii: "{") {
            if memberDepth > 0 && stack.count == memberDepth { objects.append(Span(start: offset, end: nil)) }
            mode = .keyOrClose
        } else {
            mode = .valueOrClose
        }
    }

    private mutating func close(at offset: Int) {
        if memberDepth > 0 && stack.count == memberDepth && stack[stack.count - 1] == UInt8(ascii: "{"),
           !objects.isEmpty
        {
            objects[objects.count - 1].end = offset + 1
        }
        stack.removeLast()
        if stack.isEmpty {
            mode = .done
        } else {
            valueEnded(at: offset + 1)
        }
    }

    /// A value (of any type) begins at `offset` inside the current container.
    private mutating func valueStarted(at offset: Int) {
        guard memberDepth > 0 else { return }
        if stack.count == memberDepth, stack[stack.count - 1] == UInt8(ascii: "{"), let key = pendingKey {
            members.append(Member(key: key, valueStart: offset, valueEnd: nil, object: objects.count - 1))
            pendingKey = nil
        }
        if stack.count == 1, stack[0] == UInt8(ascii: "[") {
            elements.append(Span(start: offset, end: nil))
        }
    }

    /// The value that began last in the current container ends just before `offset`.
    private mutating func valueEnded(at offset: Int) {
        mode = .commaOrClose
        guard memberDepth > 0 else { return }
        if stack.count == memberDepth, stack[stack.count - 1] == UInt8(ascii: "{"), !members.isEmpty,
           members[members.count - 1].valueEnd == nil
        {
            members[members.count - 1].valueEnd = offset
        }
        if stack.count == 1, stack[0] == UInt8(ascii: "["), !elements.isEmpty {
            elements[elements.count - 1].end = offset
        }
    }

    @inline(__always)
    private static func isHex(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46)
    }

    // Number states: 0 after '-', 1 after a leading '0', 2 integer digits, 3 after '.', 4 fraction
    // digits, 5 after 'e', 6 after the exponent sign, 7 exponent digits.
    @inline(__always)
    private static func numberTransition(_ state: UInt8, _ b: UInt8) -> UInt8? {
        let digit = b >= 0x30 && b <= 0x39
        switch state {
        case 0: return b == 0x30 ? 1 : digit ? 2 : nil
        case 1: return b == UInt8(ascii: ".") ? 3 : (b | 0x20) == UInt8(ascii: "e") ? 5 : nil
        case 2: return digit ? 2 : b == UInt8(ascii: ".") ? 3 : (b | 0x20) == UInt8(ascii: "e") ? 5 : nil
        case 3: return digit ? 4 : nil
        case 4: return digit ? 4 : (b | 0x20) == UInt8(ascii: "e") ? 5 : nil
        case 5: return digit ? 7 : (b == UInt8(ascii: "+") || b == UInt8(ascii: "-")) ? 6 : nil
        case 6, 7: return digit ? 7 : nil
        default: return nil
        }
    }

    @inline(__always)
    private static func numberCanEnd(_ state: UInt8) -> Bool {
        state == 1 || state == 2 || state == 4 || state == 7
    }
}
