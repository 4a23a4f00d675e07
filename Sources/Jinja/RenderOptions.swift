/// Bounds that keep a hostile or broken template from hanging or exhausting the gateway. Each one, when hit,
/// stops the render with a clean error.
public struct RenderLimits: Sendable, Equatable {
    /// Nested macro and recursive-loop calls. Python stops near 180 for jinja2 macros with
    /// `RecursionError`, and real templates never come close.
    public var maxCallDepth: Int
    /// Loop iterations over the whole render.
    public var maxLoopIterations: Int
    /// Bytes of output (also bounds strings built by `*` and captured blocks).
    public var maxOutputBytes: Int

    public init(maxCallDepth: Int = 180, maxLoopIterations: Int = 1_000_000, maxOutputBytes: Int = 32 << 20) {
        self.maxCallDepth = maxCallDepth
        self.maxLoopIterations = maxLoopIterations
        self.maxOutputBytes = maxOutputBytes
    }
}

/// Per-render settings.
public struct RenderOptions: Sendable {
    /// The clock `strftime_now` reads; nil means the real local time.
    public var now: LocalDateTime?
    public var limits: RenderLimits

    public init(now: LocalDateTime? = nil, limits: RenderLimits = RenderLimits()) {
        self.now = now
        self.limits = limits
    }
}

/// A naive local date and time, as Python's `datetime` without tzinfo (what a case file's `now` means).
public struct LocalDateTime: Sendable, Equatable {
    public var year: Int
    public var month: Int
    public var day: Int
    public var hour: Int
    public var minute: Int
    public var second: Int
    public var microsecond: Int

    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0, microsecond: Int = 0) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.microsecond = microsecond
    }

    /// Parses what Python's `datetime.fromisoformat` reads: `YYYY-MM-DD`, then optionally `T` or a space and
    /// `HH:MM[:SS[.ffffff]]`. A UTC offset suffix is accepted and ignored (the time is taken as local).
    public init?(iso text: String) {
        let chars = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= chars.count, !range.isEmpty else { return nil }
            var value = 0
            for b in chars[range] {
                guard b >= 0x30 && b <= 0x39 else { return nil }
                value = value * 10 + Int(b - 0x30)
            }
            return value
        }
        guard chars.count >= 10, chars[4] == 0x2D, chars[7] == 0x2D,
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        self.init(year: year, month: month, day: day)
        guard chars.count > 10 else { return }
        guard chars[10] == UInt8(ascii: "T") || chars[10] == UInt8(ascii: " "), chars.count >= 16, chars[13] == 0x3A,
              let hour = number(11..<13), let minute = number(14..<16), hour < 24, minute < 60 else { return nil }
        self.hour = hour
        self.minute = minute
        var i = 16
        if i < chars.count && chars[i] == 0x3A {
            guard let second = number(17..<19), second < 60 else { return nil }
            self.second = second
            i = 19
            if i < chars.count && (chars[i] == UInt8(ascii: ".") || chars[i] == UInt8(ascii: ",")) {
                var j = i + 1
                var digits = ""
                while j < chars.count && chars[j] >= 0x30 && chars[j] <= 0x39 {
                    digits.append(Character(Unicode.Scalar(chars[j])))
                    j += 1
                }
                guard !digits.isEmpty else { return nil }
                let padded = (digits + "000000").prefix(6)
                microsecond = Int(padded) ?? 0
                i = j
            }
        }
        if i < chars.count {
            let rest = chars[i...]
            guard rest.first == UInt8(ascii: "Z") || rest.first == UInt8(ascii: "+") || rest.first == UInt8(ascii: "-")
            else { return nil }
        }
    }
}
