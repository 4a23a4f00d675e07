/// One way a family's calls appear in text: start marker(s), body kind(s), end marker(s).
///
/// - `startIncluded`: the start marker is the body's first bytes (Llama 3's `{`, pythonic `[`,
///   Qwen3-Coder's bare `<function=`), not a wrapper around it.
/// - `tentative`: the start marker is ordinary text unless a call follows it (a `{` in prose); when the
///   body turns out not to be a call the marker is released as content and scanning resumes after it.
///   A non-tentative (strict) start commits: a broken call becomes content up to its end marker.
/// - `ends` empty: the body delimits itself (JSON, brackets) or runs to the next call / end of output.
/// - `endOptional`: after a self-delimited body the end marker is swallowed when present (a stray
///   `</tool_call>` after a bare `<function=…>…</function>`), not required.
final class CallSyntax: Sendable {
    let starts: [[UInt8]]
    let startIncluded: Bool
    let tentative: Bool
    let ends: [[UInt8]]
    let endOptional: Bool
    /// Alternatives, tried in order by their `recognize`.
    let bodies: [any BodyKind]

    init(starts: [[UInt8]], startIncluded: Bool, tentative: Bool, ends: [[UInt8]], endOptional: Bool,
         bodies: [any BodyKind])
    {
        self.starts = starts
        self.startIncluded = startIncluded
        self.tentative = tentative
        self.ends = ends
        self.endOptional = endOptional
        self.bodies = bodies
    }

    /// True when the body kind finds its own end (so the end marker is looked for after it).
    func delimitsItself(_ body: any BodyKind) -> Bool {
        switch body.extent {
        case .endMarker: return false
        case .json, .nameThenJSON, .python, .closingTag: return true
        }
    }
}
