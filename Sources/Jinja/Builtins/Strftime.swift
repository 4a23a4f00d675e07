#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Python's `datetime.strftime` for a naive local time: `%f`, `%z` and `%Z` are handled as Python does for a
/// naive datetime (`%z`/`%Z` empty), everything else by the C library in the C locale, exactly as CPython.
enum Strftime {
    static func format(_ format: String, at time: LocalDateTime) -> String {
        var adjusted = ""
        var chars = format.makeIterator()
        while let c = chars.next() {
            guard c == "%" else {
                adjusted.append(c)
                continue
            }
            guard let next = chars.next() else {
                adjusted.append("%")
                break
            }
            switch next {
            case "f":
                let digits = String(time.microsecond)
                adjusted += String(repeating: "0", count: max(0, 6 - digits.count)) + digits
            case "z", "Z":
                break
            default:
                adjusted.append("%")
                adjusted.append(next)
            }
        }
        var parts = tm()
        parts.tm_year = Int32(time.year - 1900)
        parts.tm_mon = Int32(time.month - 1)
        parts.tm_mday = Int32(time.day)
        parts.tm_hour = Int32(time.hour)
        parts.tm_min = Int32(time.minute)
        parts.tm_sec = Int32(time.second)
        // timegm normalizes the fields and fills in the weekday and day of the year.
        var normalized = parts
        _ = timegm(&normalized)
        parts.tm_wday = normalized.tm_wday
        parts.tm_yday = normalized.tm_yday
        parts.tm_isdst = -1
        guard !adjusted.isEmpty else { return "" }
        var capacity = 256
        while capacity <= 256 * max(1, adjusted.utf8.count) {
            var buffer = [CChar](repeating: 0, count: capacity)
            let written = strftime(&buffer, capacity, adjusted, &parts)
            if written > 0 {
                return String(decoding: buffer.prefix(written).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            capacity *= 4
        }
        return ""
    }

    /// The current local time (what `strftime_now` reads when no clock is frozen).
    static func localNow() -> LocalDateTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        var seconds = time_t(spec.tv_sec)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return LocalDateTime(year: Int(parts.tm_year) + 1900, month: Int(parts.tm_mon) + 1, day: Int(parts.tm_mday),
                             hour: Int(parts.tm_hour), minute: Int(parts.tm_min), second: Int(parts.tm_sec),
                             microsecond: Int(spec.tv_nsec) / 1000)
    }
}
