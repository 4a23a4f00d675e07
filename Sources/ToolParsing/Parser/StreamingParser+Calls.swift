#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The machine inside a call: recognize the body kind, follow its extent to the end of the call's text,
/// then emit the call or give its text back.
extension StreamingParser {
    /// A call being read: from its start marker (`regionStart`) to wherever its text turns out to end.
    /// Kept in one stored property and mutated in place, so following a call copies nothing.
    struct CallAttempt {
        var syntax = 0
        var regionStart = 0
        /// Just after the start marker.
        var markerEnd = 0
        var bodyStart = 0
        /// The body alternative recognized.
        var body: Int?
        var phase = Phase.recognizing
        /// The extent scanners; `scanner` says which one runs in `.scanning`.
        var scanner = ScannerKind.json
        var json = JSONExtentScanner(from: 0)
        var nameThenJSON = NameThenJSONScanner(from: 0, markers: .init())
        var python = PythonExtentScanner(from: 0)
        /// What eager mode has already sent of this call's calls.
        var eager = EagerProgress()
    }

    enum ScannerKind {
        case json, nameThenJSON, python
    }

    enum Phase {
        case recognizing
        /// The body kind's extent scanner is reading the body.
        case scanning
        case closingTag(searchFrom: Int)
        /// The body is complete; its end marker should follow after whitespace.
        case expectingEnd(bodyEnd: Int)
        /// Looking for where the call's text ends (end marker, next call, end of output); with a failure
        /// the text then becomes content.
        case searchingEnd(from: Int, failure: Failure?)
    }

    struct Failure {
        let reason: String
        let truncated: Bool
    }

    enum CallStep {
        case again
        case wait
        /// The attempt is over; `state` was set.
        case ended
    }

    mutating func startCall(syntax index: Int, at: Int, markerLength: Int) {
        // Reset in place: the scanners are replaced when a body kind is recognized.
        call.body = nil
        call.phase = .recognizing
        if call.eager.started || call.eager.xmlNext != nil { call.eager = EagerProgress() }
        call.syntax = index
        call.regionStart = at
        call.markerEnd = at + markerLength
        call.bodyStart = family.syntaxes[index].startIncluded ? at : at + markerLength
        state = .call
    }

    mutating func advanceCall(_ w: ByteWindow) -> CallStep {
        switch call.phase {
        case .recognizing:
            let syntax = family.syntaxes[call.syntax]
            let body = w.slice(call.bodyStart..<w.end)
            var undecided = false
            for (i, kind) in syntax.bodies.enumerated() {
                switch kind.recognize(body, final: finished) {
                case .yes:
                    // An earlier alternative that is still undecided has priority.
                    if undecided { return .wait }
                    call.body = i
                    startExtent(kind)
                    return .again
                case .needMore:
                    undecided = true
                case .no:
                    continue
                }
            }
            if undecided { return .wait }
            return fail(w, Failure(reason: "no call follows the start marker", truncated: false),
                        at: call.markerEnd)

        case .scanning:
            let status: JSONExtentScanner.Status
            switch call.scanner {
            case .json: status = call.json.scan(w.p, base: w.base, to: w.end)
            case .nameThenJSON: status = call.nameThenJSON.scan(w.p, base: w.base, to: w.end, final: finished)
            case .python: status = call.python.scan(w.p, base: w.base, to: w.end, final: finished)
            }
            if commit == .eager { streamEagerly(w) }
            return bodyScanned(w, status)

        case .closingTag(let searchFrom):
            if commit == .eager { streamEagerly(w) }
            guard let body = call.body, let markers = family.regionMarkers[call.syntax].closing[body] else {
                return fail(w, Failure(reason: "no closing tag", truncated: false), at: searchFrom)
            }
            switch w.first(markers, from: searchFrom, final: finished) {
            case .marker(let index, let at):
                let length = markers.markers[index].bytes.count
                switch markers.markers[index].tag {
                case RegionMarkers.closingTag:
                    return bodyScanned(w, .complete(end: at + length))
                case RegionMarkers.end:
                    return finalize(w, region: call.regionStart..<(at + length),
                                    body: call.bodyStart..<at, closed: true)
                default:
                    return finalize(w, region: call.regionStart..<at, body: call.bodyStart..<at,
                                    closed: false)
                }
            case .partial(let at):
                call.phase = .closingTag(searchFrom: at)
                return .wait
            case .none:
                guard finished else {
                    call.phase = .closingTag(searchFrom: w.end)
                    return .wait
                }
                return finalize(w, region: call.regionStart..<w.end, body: call.bodyStart..<w.end,
                                closed: false)
            }

        case .expectingEnd(let bodyEnd):
            let j = w.skipWhitespace(from: bodyEnd)
            if j == w.end {
                guard finished else { return .wait }
                // The end marker is missing at the end of the output (a backend stop string took it).
                return finalize(w, region: call.regionStart..<bodyEnd, body: call.bodyStart..<bodyEnd,
                                closed: false)
            }
            let markers = family.regionMarkers[call.syntax]
            switch w.match(markers.ends, at: j, final: finished) {
            case .marker(let index, _)?:
                return finalize(w, region: call.regionStart..<(j + markers.ends.markers[index].bytes.count),
                                body: call.bodyStart..<j, closed: true)
            case .partial?:
                return .wait
            case .none?, nil:
                // The output ends inside the end marker (cut by a token limit): the body is complete.
                if finished, markers.ends.markers.contains(where: { w.compare(at: j, $0.bytes) == .partial }) {
                    return finalize(w, region: call.regionStart..<w.end, body: call.bodyStart..<j,
                                    closed: false)
                }
            }
            switch w.match(family.strictStarts, at: j, final: finished) {
            case .marker?:
                // The next call starts: this one lacks its end marker but is complete.
                return finalize(w, region: call.regionStart..<bodyEnd, body: call.bodyStart..<bodyEnd,
                                closed: false)
            case .partial?:
                return .wait
            case .none?, nil:
                break
            }
            if family.syntaxes[call.syntax].endOptional {
                return finalize(w, region: call.regionStart..<bodyEnd, body: call.bodyStart..<bodyEnd,
                                closed: false)
            }
            return fail(w, Failure(reason: "text between the call body and its end marker", truncated: false),
                        at: j)

        case .searchingEnd(let from, let failure):
            let markers = family.regionMarkers[call.syntax].endOrNextCall
            var region: Range<Int>
            var body: Range<Int>
            var closed = false
            switch w.first(markers, from: from, final: finished) {
            case .marker(let index, let at):
                if markers.markers[index].tag == RegionMarkers.end {
                    region = call.regionStart..<(at + markers.markers[index].bytes.count)
                    closed = true
                } else {
                    region = call.regionStart..<at
                }
                body = call.bodyStart..<at
            case .partial(let at):
                call.phase = .searchingEnd(from: at, failure: failure)
                return .wait
            case .none:
                guard finished else {
                    call.phase = .searchingEnd(from: w.end, failure: failure)
                    return .wait
                }
                region = call.regionStart..<w.end
                body = call.bodyStart..<w.end
            }
            if let failure {
                giveBack(w, region: region, failure: failure)
                return .ended
            }
            return finalize(w, region: region, body: body, closed: closed)
        }
    }

    private mutating func startExtent(_ kind: any BodyKind) {
        switch kind.extent {
        case .json(let top):
            var depth = 0
            if commit == .eager, case .jsonCalls(_, let d) = kind.eagerShape { depth = d }
            call.json = JSONExtentScanner(from: call.bodyStart, top: top, memberDepth: depth)
            call.scanner = .json
            call.phase = .scanning
        case .nameThenJSON(let markers):
            call.nameThenJSON = NameThenJSONScanner(from: call.bodyStart, markers: markers)
            call.scanner = .nameThenJSON
            call.phase = .scanning
        case .python:
            call.python = PythonExtentScanner(from: call.bodyStart)
            call.scanner = .python
            call.phase = .scanning
        case .closingTag:
            call.phase = .closingTag(searchFrom: call.markerEnd)
        case .endMarker:
            call.phase = .searchingEnd(from: call.markerEnd, failure: nil)
        }
    }

    /// A self-delimiting body's scan result.
    private mutating func bodyScanned(_ w: ByteWindow,
                                      _ status: JSONExtentScanner.Status) -> CallStep
    {
        switch status {
        case .needMore:
            guard finished else { return .wait }
            return fail(w, Failure(reason: "the call is cut off by the end of the output", truncated: true),
                        at: w.end)
        case .failed(let at):
            return fail(w, Failure(reason: "unexpected text at byte \(at)", truncated: false), at: at)
        case .complete(let end):
            if family.syntaxes[call.syntax].ends.isEmpty {
                return finalize(w, region: call.regionStart..<end, body: call.bodyStart..<end,
                                closed: false)
            }
            call.phase = .expectingEnd(bodyEnd: end)
            return .again
        }
    }

    /// The text is not a call. A tentative start marker becomes text again; a strict one makes the whole
    /// call text content, once its end is found.
    private mutating func fail(_ w: ByteWindow, _ failure: Failure,
                               at: Int) -> CallStep
    {
        if family.syntaxes[call.syntax].tentative {
            demote(w)
            return .ended
        }
        call.phase = .searchingEnd(from: max(at, call.markerEnd), failure: failure)
        return .again
    }

    /// The start marker was ordinary text: the search goes on after it (the marker is released with the
    /// text around it).
    private mutating func demote(_ w: ByteWindow) {
        if call.eager.started {
            giveBack(w, region: call.regionStart..<call.eager.consumedEnd,
                     failure: Failure(reason: "the call turned out not to be one", truncated: false))
            return
        }
        state = .text
        scanFrom = call.markerEnd
    }

    /// Releases the text held before a tentative start, now that a call is emitted after it.
    mutating func releaseTextBeforeCall(_ w: ByteWindow) {
        guard cursor < call.regionStart else { return }
        releaseContent(w, cursor..<call.regionStart)
        cursor = call.regionStart
    }

    /// The call's text is complete: parse it and emit the calls, or give the text back.
    private mutating func finalize(_ w: ByteWindow, region: Range<Int>,
                                   body: Range<Int>, closed: Bool) -> CallStep
    {
        let syntax = family.syntaxes[call.syntax]
        guard let bodyIndex = call.body else {
            giveBack(w, region: region, failure: Failure(reason: "no body", truncated: false))
            return .ended
        }
        let kind = syntax.bodies[bodyIndex]
        let parsed = kind.parsesWholeRegion ? region : body
        let context = BodyContext(tools: tools, closedByEndMarker: closed, family: family, nesting: nesting)
        switch kind.parse(w.slice(parsed), context: context) {
        case .failed(let reason, let truncated):
            if syntax.tentative && !call.eager.started {
                demote(w)
            } else {
                giveBack(w, region: region, failure: Failure(reason: reason, truncated: truncated))
            }
            return .ended
        case .calls(let calls, let rejected):
            if calls.isEmpty && syntax.tentative && !call.eager.started {
                demote(w)
                return .ended
            }
            // A family that says so (SGLang's behaviour) treats a call to a tool the request did not offer
            // as text.
            if family.unknownToolsAreText, !tools.isEmpty, !calls.isEmpty, !call.eager.started,
               calls.allSatisfy({ !tools.contains($0.name) })
            {
                if syntax.tentative {
                    demote(w)
                } else {
                    let names = calls.map(\.name).joined(separator: ", ")
                    diagnose(.unknownTool, "the request offered no tool named \(names); the call is content", region)
                    giveBack(w, region: region, failure: nil)
                }
                return .ended
            }
            releaseTextBeforeCall(w)
            for part in rejected {
                let range = (part.range.lowerBound + parsed.lowerBound)..<(part.range.upperBound + parsed.lowerBound)
                releaseContent(w, range)
                diagnose(.rejectedPart, part.reason, range)
            }
            emit(calls, region: region, w)
            cursor = region.upperBound
            let swallowsEnd = syntax.endOptional && !syntax.ends.isEmpty && !closed && syntax.delimitsItself(kind)
            state = swallowsEnd ? .optionalEnd(syntax: call.syntax, from: region.upperBound) : .text
            return .ended
        }
    }

    /// The call's text goes to content verbatim, with a diagnostic saying why. In eager mode the part
    /// already streamed as a call stays a call; only the rest becomes content.
    private mutating func giveBack(_ w: ByteWindow, region: Range<Int>, failure: Failure?) {
        if call.eager.started {
            let rest = max(call.eager.consumedEnd, region.lowerBound)..<max(region.upperBound, call.eager.consumedEnd)
            diagnose(.streamedCallBroken,
                     "a call already streamed is broken (\(failure?.reason ?? "")); its remaining text is content", region)
            releaseContent(w, rest)
            cursor = rest.upperBound
        } else {
            if let failure { diagnose(failure.truncated ? .truncatedCall : .malformedCall, failure.reason, region) }
            releaseContent(w, min(cursor, region.lowerBound)..<region.upperBound)
            cursor = region.upperBound
        }
        state = .text
    }

    /// Emits the calls of a finished call text (completing those eager mode has started).
    /// Whether the complete arguments text begins with what eager mode sent: the model's bytes still in
    /// the buffer, or the built fragments.
    private func argumentsContinue(_ arguments: String, _ started: EagerProgress.Started, _ w: ByteWindow) -> Bool {
        guard arguments.utf8.count >= started.sentBytes else { return false }
        guard let raw = started.rawStart else { return arguments.utf8.starts(with: started.arguments.utf8) }
        guard raw >= w.base, raw + started.sentBytes <= w.end else { return false }
        var arguments = arguments
        let sent = w.slice(raw..<(raw + started.sentBytes))
        return arguments.withUTF8 { text in
            guard let a = text.baseAddress, let b = sent.baseAddress else { return sent.isEmpty }
            return memcmp(a, b, sent.count) == 0
        }
    }

    private mutating func emit(_ calls: [BodyCall], region: Range<Int>, _ w: ByteWindow) {
        for (n, parsed) in calls.enumerated() {
            let index: Int
            let id: String
            if n < call.eager.calls.count {
                let started = call.eager.calls[n]
                index = started.index
                id = started.id
                if parsed.name == started.name && argumentsContinue(parsed.arguments, started, w) {
                    let rest = String(parsed.arguments.utf8.dropFirst(started.sentBytes)) ?? ""
                    if !rest.isEmpty { out.append(.toolCallArguments(index: index, fragment: rest)) }
                } else {
                    diagnose(.streamedCallBroken, "the streamed call differs from the complete one", region)
                }
            } else {
                index = nextIndex
                nextIndex += 1
                id = parsed.id ?? ids.next(style: family.idStyle)
                out.append(.toolCallStart(index: index, id: id, name: parsed.name))
                out.append(.toolCallArguments(index: index, fragment: parsed.arguments))
            }
            completedCalls.append(CompletedCall(index: index, id: id, name: parsed.name, rawRange: region))
            if let note = parsed.note { diagnose(.unusualArguments, "\(parsed.name): \(note)", region) }
            if !tools.isEmpty && !tools.contains(parsed.name) {
                diagnose(.unknownTool, "the request offered no tool named '\(parsed.name)'", region)
            }
        }
    }
}
