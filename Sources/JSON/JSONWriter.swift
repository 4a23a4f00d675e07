/// How a value is written as text. The presets match what peers print: ``compact`` for the wire,
/// ``python`` for Python's `json.dumps` defaults (which chat templates' `tojson` reproduces).
public struct JSONFormat: Sendable {
    public var itemSeparator: String
    public var keySeparator: String
    /// Spaces per nesting level; nil writes everything on one line.
    public var indent: Int?
    /// Escape every non-ASCII character as `\uXXXX` (surrogate pairs above U+FFFF).
    public var ensureASCII: Bool
    /// Order object members by key (Unicode code points), as `sort_keys=True`.
    public var sortKeys: Bool
    /// Write numbers as Python prints the value `json.loads` gives them (`1E5` → `100000.0`)
    /// instead of their literal text.
    public var pythonNumbers: Bool

    public init(itemSeparator: String = ",", keySeparator: String = ":", indent: Int? = nil,
                ensureASCII: Bool = false, sortKeys: Bool = false, pythonNumbers: Bool = false)
    {
        self.itemSeparator = itemSeparator
        self.keySeparator = keySeparator
        self.indent = indent
        self.ensureASCII = ensureASCII
        self.sortKeys = sortKeys
        self.pythonNumbers = pythonNumbers
    }

    /// `{"a":1,"b":[1,2]}`
    public static let compact = JSONFormat()
    /// `{"a": 1, "b": [1, 2]}` — `json.dumps(x, ensure_ascii=False)`.
    public static let python = JSONFormat(itemSeparator: ", ", keySeparator: ": ", pythonNumbers: true)
}

extension JSONValue {
    /// The value as JSON text.
    public func serialized(_ format: JSONFormat = .compact) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(to: &out, format: format)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the value's JSON text as UTF-8 to `out`.
    public func write(to out: inout [UInt8], format: JSONFormat = .compact) {
        var writer = JSONWriter(format: format)
        writer.write(self, to: &out, level: 0)
    }
}

extension String {
    /// The string as a JSON string literal, quotes included.
    public func jsonQuoted(ensureASCII: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + 2)
        JSONWriter.writeString(self, to: &out, ensureASCII: ensureASCII)
        return String(decoding: out, as: UTF8.self)
    }
}

struct JSONWriter {
    let format: JSONFormat
    let itemSeparator: [UInt8]
    let keySeparator: [UInt8]

    init(format: JSONFormat) {
        self.format = format
        itemSeparator = Array(format.itemSeparator.utf8)
        keySeparator = Array(format.keySeparator.utf8)
    }

    func newline(_ out: inout [UInt8], level: Int) {
        guard let indent = format.indent else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    mutating func write(_ value: JSONValue, to out: inout [UInt8], level: Int) {
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: (format.pythonNumbers ? n.pythonRepr : n.literal).utf8)
        case .string(let s): JSONWriter.writeString(s, to: &out, ensureASCII: format.ensureASCII)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            if elements.isEmpty {
                out.append(UInt8(ascii: "]"))
                return
            }
            for (i, element) in elements.enumerated() {
                if i > 0 { out.append(contentsOf: itemSeparator) }
                newline(&out, level: level + 1)
                write(element, to: &out, level: level + 1)
            }
            newline(&out, level: level)
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            if object.isEmpty {
                out.append(UInt8(ascii: "}"))
                return
            }
            let entries = format.sortKeys
                ? object.entries.sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
                : object.entries
            for (i, entry) in entries.enumerated() {
                if i > 0 { out.append(contentsOf: itemSeparator) }
                newline(&out, level: level + 1)
                JSONWriter.writeString(entry.key, to: &out, ensureASCII: format.ensureASCII)
                out.append(contentsOf: keySeparator)
                write(entry.value, to: &out, level: level + 1)
            }
            newline(&out, level: level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ string: String, to out: inout [UInt8], ensureASCII: Bool) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b >= 0x20 && b != UInt8(ascii: "\"") && b != UInt8(ascii: "\\") && (b < 0x80 || !ensureASCII)
                    && !(ensureASCII && b == 0x7F)
                {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                if b >= 0x80 {
                    // ensureASCII: decode one scalar and write it as \u escapes.
                    let (scalar, length) = decodeScalar(bytes, at: i)
                    if scalar >= 0x10000 {
                        let v = scalar - 0x10000
                        writeUnicodeEscape(0xD800 + (v >> 10), to: &out)
                        writeUnicodeEscape(0xDC00 + (v & 0x3FF), to: &out)
                    } else {
                        writeUnicodeEscape(scalar, to: &out)
                    }
                    i += length
                } else {
                    switch b {
                    case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                    case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                    case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                    case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                    case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                    case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                    case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                    default: writeUnicodeEscape(UInt32(b), to: &out)
                    }
                    i += 1
                }
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func writeUnicodeEscape(_ v: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) {
            out.append(hexDigits[Int((v >> UInt32(shift)) & 0xF)])
        }
    }

    /// Decodes the scalar starting at a lead byte of valid UTF-8 (Swift strings always are).
    private static func decodeScalar(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> (UInt32, Int) {
        let b0 = UInt32(bytes[i])
        func cont(_ k: Int) -> UInt32 { i + k < bytes.count ? UInt32(bytes[i + k]) & 0x3F : 0 }
        if b0 >= 0xF0 { return ((b0 & 0x07) << 18 | cont(1) << 12 | cont(2) << 6 | cont(3), 4) }
        if b0 >= 0xE0 { return ((b0 & 0x0F) << 12 | cont(1) << 6 | cont(2), 3) }
        return ((b0 & 0x1F) << 6 | cont(1), 2)
    }
}
