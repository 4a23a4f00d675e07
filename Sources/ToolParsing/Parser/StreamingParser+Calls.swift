/// The machine inside a call: recognize the body kind, follow its extent to the end of the call's text,
/// then emit the call or give its text back.
extension StreamingParser {
    /// A call being read: from its start marker (`regionStart`) to wherever its text turns out to end.
    struct CallAttempt {
        let syntax: Int
        let regionStart: Int
        /// Just after the start marker.
        let markerEnd: Int
        let bodyStart: Int
        /// The body alternative recognized.
        var body: Int?
        var phase: Phase
        /// What eager mode has already sent of this call's calls.
        var eager = EagerProgress()
    }

    enum Phase {
        case recognizing
        case json(JSONExtentScanner)
        case nameThenJSON(NameThenJSONScanner)
        case python(PythonExtentScanner)
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
        let syntax = family.syntaxes[index]
        let bodyStart = syntax.startIncluded ? at : at + markerLength
        state = .call(CallAttempt(syntax: index, regionStart: at, markerEnd: at + markerLength, bodyStart: bodyStart,
                                  body: nil, phase: .recognizing))
    }

    mutating func advanceCall(_ w: ByteWindow, _ attempt: inout CallAttempt) -> CallStep {
        let syntax = family.syntaxes[attempt.syntax]
        switch attempt.phase {
        case .recognizing:
            let body = w.slice(attempt.bodyStart..<w.end)
            var undecided = false
            for (i, kind) in syntax.bodies.enumerated() {
                switch kind.recognize(body, final: finished) {
                case .yes:
                    // An earlier alternative that is still undecided has priority.
                    if undecided { return .wait }
                    attempt.body = i
                    attempt.phase = firstPhase(kind, attempt)
                    return .again
                case .needMore:
                    undecided = true
                case .no:
                    continue
                }
            }
            if undecided { return .wait }
            return fail(w, &attempt, Failure(reason: "no call follows the start marker", truncated: false),
                        at: attempt.markerEnd)

        case .json(var scanner):
            let status = scanner.scan(w.p, base: w.base, to: w.end)
            attempt.phase = .json(scanner)
            if commit == .eager { streamEagerly(w, &attempt) }
            return bodyScanned(w, &attempt, status)

        case .nameThenJSON(var scanner):
            let status = scanner.scan(w.p, base: w.base, to: w.end, final: finished)
            attempt.phase = .nameThenJSON(scanner)
            if commit == .eager { streamEagerly(w, &attempt) }
            return bodyScanned(w, &attempt, status)

        case .python(var scanner):
            let status = scanner.scan(w.p, base: w.base, to: w.end, final: finished)
            attempt.phase = .python(scanner)
            return bodyScanned(w, &attempt, status)

        case .closingTag(let searchFrom):
            if commit == .eager { streamEagerly(w, &attempt) }
            guard let body = attempt.body, let markers = family.regionMarkers[attempt.syntax].closing[body] else {
                return fail(w, &attempt, Failure(reason: "no closing tag", truncated: false), at: searchFrom)
            }
            switch w.first(markers, from: searchFrom, final: finished) {
            case .marker(let index, let at):
                let length = markers.markers[index].bytes.count
                switch markers.markers[index].tag {
                case RegionMarkers.closingTag:
                    return bodyScanned(w, &attempt, .complete(end: at + length))
                case RegionMarkers.end:
                    return finalize(w, &attempt, region: attempt.regionStart..<(at + length),
                                    body: attempt.bodyStart..<at, closed: true)
                default:
                    return finalize(w, &attempt, region: attempt.regionStart..<at, body: attempt.bodyStart..<at,
                                    closed: false)
                }
            case .partial(let at):
                attempt.phase = .closingTag(searchFrom: at)
                return .wait
            case .none:
                guard finished else {
                    attempt.phase = .closingTag(searchFrom: w.end)
                    return .wait
                }
                return finalize(w, &attempt, region: attempt.regionStart..<w.end, body: attempt.bodyStart..<w.end,
                                closed: false)
            }

        case .expectingEnd(let bodyEnd):
            let j = w.skipWhitespace(from: bodyEnd)
            if j == w.end {
                guard finished else { return .wait }
                // The end marker is missing at the end of the output (a backend stop string took it).
                return finalize(w, &attempt, region: attempt.regionStart..<bodyEnd, body: attempt.bodyStart..<bodyEnd,
                                closed: false)
            }
            let markers = family.regionMarkers[attempt.syntax]
            switch w.match(markers.ends, at: j, final: finished) {
            case .marker(let index, _)?:
                return finalize(w, &attempt, region: attempt.regionStart..<(j + markers.ends.markers[index].bytes.count),
                                body: attempt.bodyStart..<j, closed: true)
            case .partial?:
                return .wait
            case .none?, nil:
                // The output ends inside the end marker (cut by a token limit): the body is complete.
                if finished, markers.ends.markers.contains(where: { w.compare(at: j, $0.bytes) == .partial }) {
                    return finalize(w, &attempt, region: attempt.regionStart..<w.end, body: attempt.bodyStart..<j,
                                    closed: false)
                }
            }
            switch w.match(family.strictStarts, at: j, final: finished) {
            case .marker?:
                // The next call starts: this one lacks its end marker but is complete.
                return finalize(w, &attempt, region: attempt.regionStart..<bodyEnd, body: attempt.bodyStart..<bodyEnd,
                                closed: false)
            case .partial?:
                return .wait
            case .none?, nil:
                break
            }
            if syntax.endOptional {
                return finalize(w, &attempt, region: attempt.regionStart..<bodyEnd, body: attempt.bodyStart..<bodyEnd,
                                closed: false)
            }
            return fail(w, &attempt, Failure(reason: "text between the call body and its end marker", truncated: false),
                        at: j)

        case .searchingEnd(let from, let failure):
            let markers = family.regionMarkers[attempt.syntax].endOrNextCall
            var region: Range<Int>
            var body: Range<Int>
            var closed = false
            switch w.first(markers, from: from, final: finished) {
            case .marker(let index, let at):
                if markers.markers[index].tag == RegionMarkers.end {
                    region = attempt.regionStart..<(at + markers.markers[index].bytes.count)
                    closed = true
                } else {
                    region = attempt.regionStart..<at
                }
                body = attempt.bodyStart..<at
            case .partial(let at):
                attempt.phase = .searchingEnd(from: at, failure: failure)
                return .wait
            case .none:
                guard finished else {
                    attempt.phase = .searchingEnd(from: w.end, failure: failure)
                    return .wait
                }
                region = attempt.regionStart..<w.end
                body = attempt.bodyStart..<w.end
            }
            if let failure {
                giveBack(w, &attempt, region: region, failure: failure)
                return .ended
            }
            return finalize(w, &attempt, region: region, body: body, closed: closed)
        }
    }

    private func firstPhase(_ kind: any BodyKind, _ attempt: CallAttempt) -> Phase {
        switch kind.extent {
        case .json(let top):
            var depth = 0
            if commit == .eager, case .jsonCalls(_, let d) = kind.eagerShape { depth = d }
            return .json(JSONExtentScanner(from: attempt.bodyStart, top: top, memberDepth: depth))
        case .nameThenJSON(let markers):
            return .nameThenJSON(NameThenJSONScanner(from: attempt.bodyStart, markers: markers))
        case .python:
            return .python(PythonExtentScanner(from: attempt.bodyStart))
        case .closingTag:
            return .closingTag(searchFrom: attempt.markerEnd)
        case .endMarker:
            return .searchingEnd(from: attempt.markerEnd, failure: nil)
        }
    }

    /// A self-delimiting body's scan result.
    private mutating func bodyScanned(_ w: ByteWindow, _ attempt: inout CallAttempt,
                                      _ status: JSONExtentScanner.Status) -> CallStep
    {
        switch status {
        case .needMore:
            guard finished else { return .wait }
            return fail(w, &attempt, Failure(reason: "the call is cut off by the end of the output", truncated: true),
                        at: w.end)
        case .failed(let at):
            return fail(w, &attempt, Failure(reason: "unexpected text at byte \(at)", truncated: false), at: at)
        case .complete(let end):
            if family.syntaxes[attempt.syntax].ends.isEmpty {
                return finalize(w, &attempt, region: attempt.regionStart..<end, body: attempt.bodyStart..<end,
                                closed: false)
            }
            attempt.phase = .expectingEnd(bodyEnd: end)
            return .again
        }
    }

    /// The text is not a call. A tentative start marker becomes text again; a strict one makes the whole
    /// call text content, once its end is found.
    private mutating func fail(_ w: ByteWindow, _ attempt: inout CallAttempt, _ failure: Failure,
                               at: Int) -> CallStep
    {
        if family.syntaxes[attempt.syntax].tentative {
            demote(w, &attempt)
            return .ended
        }
        attempt.phase = .searchingEnd(from: max(at, attempt.markerEnd), failure: failure)
        return .again
    }

    /// The start marker was ordinary text: release it and scan on after it.
    private mutating func demote(_ w: ByteWindow, _ attempt: inout CallAttempt) {
        if attempt.eager.started {
            giveBack(w, &attempt, region: attempt.regionStart..<attempt.eager.consumedEnd,
                     failure: Failure(reason: "the call turned out not to be one", truncated: false))
            return
        }
        state = .text
        releaseContent(w, attempt.regionStart..<attempt.markerEnd)
        cursor = attempt.markerEnd
    }

    /// The call's text is complete: parse it and emit the calls, or give the text back.
    private mutating func finalize(_ w: ByteWindow, _ attempt: inout CallAttempt, region: Range<Int>,
                                   body: Range<Int>, closed: Bool) -> CallStep
    {
        let syntax = family.syntaxes[attempt.syntax]
        guard let bodyIndex = attempt.body else {
            giveBack(w, &attempt, region: region, failure: Failure(reason: "no body", truncated: false))
            return .ended
        }
        let kind = syntax.bodies[bodyIndex]
        let parsed = kind.parsesWholeRegion ? region : body
        let context = BodyContext(tools: tools, closedByEndMarker: closed, family: family, nesting: nesting)
        switch kind.parse(w.slice(parsed), context: context) {
        case .failed(let reason, let truncated):
            if syntax.tentative && !attempt.eager.started {
                demote(w, &attempt)
            } else {
                giveBack(w, &attempt, region: region, failure: Failure(reason: reason, truncated: truncated))
            }
            return .ended
        case .calls(let calls, let rejected):
            if calls.isEmpty && syntax.tentative && !attempt.eager.started {
                demote(w, &attempt)
                return .ended
            }
            for part in rejected {
                let range = (part.range.lowerBound + parsed.lowerBound)..<(part.range.upperBound + parsed.lowerBound)
                releaseContent(w, range)
                diagnose(.rejectedPart, part.reason, range)
            }
            emit(calls, region: region, attempt: &attempt)
            cursor = region.upperBound
            let swallowsEnd = syntax.endOptional && !syntax.ends.isEmpty && !closed && syntax.delimitsItself(kind)
            state = swallowsEnd ? .optionalEnd(syntax: attempt.syntax, from: region.upperBound) : .text
            return .ended
        }
    }

    /// The call's text goes to content verbatim, with a diagnostic saying why. In eager mode the part
    /// already streamed as a call stays a call; only the rest becomes content.
    private mutating func giveBack(_ w: ByteWindow, _ attempt: inout CallAttempt, region: Range<Int>,
                                   failure: Failure)
    {
        if attempt.eager.started {
            let rest = max(attempt.eager.consumedEnd, region.lowerBound)..<max(region.upperBound, attempt.eager.consumedEnd)
            diagnose(.streamedCallBroken, "a call already streamed is broken (\(failure.reason)); its remaining text is content",
                     region)
            releaseContent(w, rest)
            cursor = rest.upperBound
        } else {
            diagnose(failure.truncated ? .truncatedCall : .malformedCall, failure.reason, region)
            releaseContent(w, region)
            cursor = region.upperBound
        }
        state = .text
    }

    /// Emits the calls of a finished call text (completing those eager mode has started).
    private mutating func emit(_ calls: [BodyCall], region: Range<Int>, attempt: inout CallAttempt) {
        for (n, call) in calls.enumerated() {
            let index: Int
            let id: String
            if n < attempt.eager.calls.count {
                let started = attempt.eager.calls[n]
                index = started.index
                id = started.id
                if call.arguments.hasPrefix(started.arguments) && call.name == started.name {
                    let rest = String(call.arguments.utf8.dropFirst(started.arguments.utf8.count)) ?? ""
                    if !rest.isEmpty { out.append(.toolCallArguments(index: index, fragment: rest)) }
                } else {
                    diagnose(.streamedCallBroken, "the streamed call differs from the complete one", region)
                }
            } else {
                index = nextIndex
                nextIndex += 1
                id = call.id ?? ids.next(style: family.idStyle)
                out.append(.toolCallStart(index: index, id: id, name: call.name))
                out.append(.toolCallArguments(index: index, fragment: call.arguments))
            }
            completedCalls.append(CompletedCall(index: index, id: id, name: call.name, rawRange: region))
            if let note = call.note { diagnose(.unusualArguments, "\(call.name): \(note)", region) }
            if !tools.isEmpty && !tools.contains(call.name) {
                diagnose(.unknownTool, "the request offered no tool named '\(call.name)'", region)
            }
        }
    }
}
