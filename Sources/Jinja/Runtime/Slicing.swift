import JSON

/// Python's subscript and slice rules (negative indices, steps, clamping), by code point for strings.
enum Slicing {
    /// The index as Python sees it, or nil for anything but an int (bool counts).
    static func integerIndex(_ v: Value) -> Int? {
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        default: return nil
        }
    }

    /// `slice.indices(length)`: the concrete positions a slice selects.
    static func positions(length: Int, start: Value?, stop: Value?, step: Value?) throws(JinjaError) -> StrideTo<Int> {
        func bound(_ v: Value?) throws(JinjaError) -> Int? {
            guard let v, !v.isNone else { return nil }
            guard let i = integerIndex(v) else {
                throw JinjaError(.type, "slice indices must be integers or None or have an __index__ method")
            }
            return i
        }
        let stepValue = try bound(step) ?? 1
        guard stepValue != 0 else { throw JinjaError(.value, "slice step cannot be zero") }
        func clamp(_ i: Int?, defaultValue: Int, low: Int, high: Int) -> Int {
            guard var i else { return defaultValue }
            if i < 0 { i += length }
            return min(max(i, low), high)
        }
        if stepValue > 0 {
            let s = clamp(try bound(start), defaultValue: 0, low: 0, high: length)
            let e = clamp(try bound(stop), defaultValue: length, low: 0, high: length)
            return stride(from: s, to: max(s, e), by: stepValue)
        } else {
            let s = clamp(try bound(start), defaultValue: length - 1, low: -1, high: length - 1)
            let e = clamp(try bound(stop), defaultValue: -1, low: -1, high: length - 1)
            return stride(from: s, to: min(s, e), by: stepValue)
        }
    }

    /// Clamped `[start:stop]` bounds with step 1; `lower <= upper` always.
    static func bounds(length: Int, start: Value?, stop: Value?) throws(JinjaError) -> (Int, Int) {
        func clamp(_ v: Value?, _ fallback: Int) throws(JinjaError) -> Int {
            guard let v, !v.isNone else { return fallback }
            guard var i = integerIndex(v) else {
                throw JinjaError(.type, "slice indices must be integers or None or have an __index__ method")
            }
            if i < 0 { i += length }
            return min(max(i, 0), length)
        }
        let lower = try clamp(start, 0)
        let upper = max(lower, try clamp(stop, length))
        return (lower, upper)
    }

    static func slice(_ base: Value, start: Value?, stop: Value?, step: Value?) throws(JinjaError) -> Value {
        switch base {
        case .undefined(let u): throw u.error
        case .string(let s), .markup(let s):
            let scalars = Array(s.unicodeScalars)
            let picked = try positions(length: scalars.count, start: start, stop: stop, step: step)
            let text = String(scalars: picked.lazy.map { scalars[$0] })
            if case .markup = base { return .markup(text) }
            return .string(text)
        case .jsonArray(let a):
            let picked = try positions(length: a.count, start: start, stop: stop, step: step)
            return .jsonArray(picked.map { a[$0] })
        case .list(let a):
            return .list(try positions(length: a.count, start: start, stop: stop, step: step).map { a[$0] })
        case .tuple(let a):
            return .tuple(try positions(length: a.count, start: start, stop: stop, step: step).map { a[$0] })
        case .dict, .jsonObject:
            // Slices are subscripted directly in jinja2 (no getitem fallback), so Python's errors show.
            throw JinjaError(.type, "unhashable type: 'slice'")
        case .object(let o):
            if let s = o as? SequenceObject, case .range = s.kind {
                return .list(try positions(length: s.items.count, start: start, stop: stop, step: step).map { s.items[$0] })
            }
            throw JinjaError(.type, "'\(base.typeName)' object is not subscriptable")
        default:
            throw JinjaError(.type, "'\(base.typeName)' object is not subscriptable")
        }
    }

    /// `sequence[index]` for ints, negative from the end; nil when out of range.
    static func element(of base: Value, at index: Int) -> Value? {
        func resolve(_ count: Int) -> Int? {
            let i = index < 0 ? index + count : index
            return i >= 0 && i < count ? i : nil
        }
        switch base {
        case .jsonArray(let a): return resolve(a.count).map { Value(json: a[$0]) }
        case .list(let a), .tuple(let a): return resolve(a.count).map { a[$0] }
        case .string(let s), .markup(let s):
            let scalars = s.unicodeScalars
            let count = index < 0 ? scalars.count : Int.max
            let i = index < 0 ? index + count : index
            guard i >= 0, let position = scalars.index(scalars.startIndex, offsetBy: i, limitedBy: scalars.endIndex),
                  position < scalars.endIndex else { return nil }
            let char = String(scalars[position])
            if case .markup = base { return .markup(char) }
            return .string(char)
        default: return nil
        }
    }
}
