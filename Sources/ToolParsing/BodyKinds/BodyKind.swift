import JSON

/// One wire shape of a call body (JSON object, JSON array, `name[ARGS]{…}`, XML parameters, Python
/// calls, a user's regex). A body kind parses one complete body and holds no state: where a body ends
/// in a stream is found by ``StreamingParser`` using the kind's ``extent``.
protocol BodyKind: Sendable {
    /// The name used in definition files (`"body": "json_object"`).
    var kindName: String { get }
    /// How the streaming machine finds the end of this body.
    var extent: BodyExtent { get }
    /// How arguments can be streamed before the body is complete (eager commit mode).
    var eagerShape: EagerShape { get }
    /// Whether ``parse(_:context:)`` wants the whole call text (start and end markers included)
    /// rather than the bytes between the markers.
    var parsesWholeRegion: Bool { get }
    /// Whether the first bytes of `body` (everything after the start marker so far) look like this
    /// kind. Looks only at a short prefix, so calling it again as bytes arrive stays cheap.
    func recognize(_ body: UnsafeBufferPointer<UInt8>, final: Bool) -> Recognition
    /// Parses one complete body. Never throws: a body that is not a call is `.failed` with a reason.
    func parse(_ body: UnsafeBufferPointer<UInt8>, context: BodyContext) -> BodyParse
}

extension BodyKind {
    var parsesWholeRegion: Bool { false }
    var eagerShape: EagerShape { .none }
}

/// How the streaming machine finds where a body ends.
enum BodyExtent: Sendable {
    /// One JSON object or array (after optional whitespace); it ends where the value ends.
    case json(JSONExtentScanner.Top)
    /// A function name, optional id and args markers, then a JSON object (Mistral v11+).
    case nameThenJSON(NameThenJSONScanner.Markers)
    /// A Python call list or call; ends at the bracket that closes it.
    case python
    /// Runs up to and including this literal; the syntax's end markers also close it.
    case closingTag([UInt8])
    /// Runs to the syntax's end marker, the next call's start marker, or the end of the output.
    case endMarker
}

/// What can be streamed of a body before it is complete.
enum EagerShape: Sendable {
    /// Nothing: the call is emitted when its body is complete.
    case none
    /// A JSON object with name/arguments members (`depth` 1), or an array of them (`depth` 2).
    case jsonCalls(keys: JSONCallKeys, depth: Int)
    /// The name comes first, then the arguments object (Mistral v11+).
    case nameThenJSON
    /// `<function=NAME>` then parameters, each emitted once complete.
    case xmlParameters
}

enum Recognition: Equatable {
    case yes
    case no
    case needMore
}

/// What a body kind may use besides the body bytes.
struct BodyContext: Sendable {
    let tools: ToolSchemas
    /// True when the body was closed by the syntax's end marker (not by the end of output or the next
    /// call): some kinds tolerate a missing inner closing tag then.
    let closedByEndMarker: Bool
    /// The family being parsed, for bodies that hold calls of the same family (code fences).
    let family: Family?
    let nesting: Int
}

/// A call found in a body; `arguments` is JSON text of an object.
struct BodyCall: Sendable, Equatable {
    var name: String
    var arguments: String
    var id: String?
    /// Set when the call is returned but something about it is off (arguments that are not an object).
    var note: String?
}

/// A part of a body that looked like a call but was not one (a bad element of a list, for example);
/// its bytes go to content. `range` is relative to the body passed to `parse`.
struct RejectedPart: Sendable, Equatable {
    var range: Range<Int>
    var reason: String
}

enum BodyParse: Sendable, Equatable {
    case calls([BodyCall], rejected: [RejectedPart])
    case failed(reason: String, truncated: Bool)
}
