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
struct CallSyntax: Sendable {
    var starts: [[UInt8]]
    var startIncluded: Bool
    var tentative: Bool
    var ends: [[UInt8]]
    var endOptional: Bool
    /// Alternatives, tried in order by their `recognize`.
    var bodies: [any BodyKind]

    /// True when the body kind finds its own end (so the end marker is looked for after it).
    func delimitsItself(_ body: any BodyKind) -> Bool {
        switch body.extent {
        case .endMarker: return false
        case .json, .nameThenJSON, .python, .closingTag: return true
        }
    }
}
