import JSON

/// Eager commit: a call's start goes out once its name is known and its arguments as they are written,
/// before the call's text is complete. Only the release differs from validated mode: when the call is
/// complete, ``StreamingParser/finalize`` parses it the same way and sends what is left of its arguments.
extension StreamingParser {
    /// What eager mode has sent for one call text (which may hold several calls: a JSON array).
    struct EagerProgress {
        struct Started {
            let index: Int
            let id: String
            let name: String
            /// Built fragments sent so far (XML parameters); empty when the model's own bytes are sent.
            var arguments = ""
            /// Where the model's own argument bytes that were sent begin, when they are raw JSON text.
            var rawStart: Int?
            var sentBytes = 0
            /// The offset of the next raw argument byte to send.
            var sentEnd: Int?
        }

        var calls: [Started] = []
        /// Output offset up to which the call text is represented by what was sent.
        var consumedEnd = 0
        /// JSON: the first object (of a JSON array body) not yet fully sent, and its first member.
        var openObject = 0
        var openMember = 0
        /// JSON, per call object (in order): its call slot once started, and its arguments member.
        var objectSlots: [Int?] = []
        var argumentsMember: [Int?] = []
        /// XML: the offset of the next parameter to read, once the header is read.
        var xmlNext: Int?
        var xmlTool = ""
        /// XML: how far the current parameter's value has been searched for its end.
        var xmlValueSearch: Int?

        var started: Bool { !calls.isEmpty }
    }

    mutating func streamEagerly(_ w: ByteWindow) {
        guard let bodyIndex = call.body else { return }
        let syntax = family.syntaxes[call.syntax]
        let kind = syntax.bodies[bodyIndex]
        switch (call.phase, kind.eagerShape) {
        case (.scanning, .jsonCalls(let keys, _)):
            streamJSONCalls(w, keys: keys, tentative: syntax.tentative)
        case (.scanning, .nameThenJSON):
            streamNameThenJSON(w)
        case (.closingTag, .xmlParameters):
            if let xml = kind as? XMLParametersBody { streamXML(w, body: xml) }
        default:
            break
        }
    }

    private mutating func startEagerCall(_ w: ByteWindow, name: String, id: String?) -> Int {
        releaseTextBeforeCall(w)
        let index = nextIndex
        nextIndex += 1
        let id = id ?? ids.next(style: family.idStyle)
        out.append(.toolCallStart(index: index, id: id, name: name))
        call.eager.calls.append(EagerProgress.Started(index: index, id: id, name: name))
        return call.eager.calls.count - 1
    }

    private mutating func sendArguments(_ w: ByteWindow, slot: Int, _ range: Range<Int>) {
        // Never split a UTF-8 sequence between fragments.
        let end = Bytes.scalarBoundary(w.p, from: range.lowerBound - w.base, to: range.upperBound - w.base) + w.base
        guard end > range.lowerBound else { return }
        let fragment = text(w, (range.lowerBound - w.base)..<(end - w.base))
        if call.eager.calls[slot].rawStart == nil { call.eager.calls[slot].rawStart = range.lowerBound }
        call.eager.calls[slot].sentBytes += end - range.lowerBound
        out.append(.toolCallArguments(index: call.eager.calls[slot].index, fragment: fragment))
        call.eager.calls[slot].sentEnd = end
        call.eager.consumedEnd = max(call.eager.consumedEnd, end)
    }

    private mutating func streamJSONCalls(_ w: ByteWindow, keys: JSONCallKeys, tentative: Bool) {
        let scanner = call.json
        let members = scanner.members
        var object = call.eager.openObject
        var memberIndex = call.eager.openMember
        while object < scanner.objects.count {
            var end = memberIndex
            while end < members.count, members[end].object == object { end += 1 }
            while call.eager.objectSlots.count <= object {
                call.eager.objectSlots.append(nil)
                call.eager.argumentsMember.append(nil)
            }
            var slot = call.eager.objectSlots[object]
            if slot == nil {
                // Not started: look for the name (and id, and whether the arguments have begun).
                var name: String?
                var id: String?
                var arguments: Int?
                for m in memberIndex..<end {
                    let member = members[m]
                    let key = shifted(member.key, w)
                    if let valueEnd = member.valueEnd, JSONCallObject.keyMatches(w.p, key, keys.name) {
                        name = JSONCallObject.decodeString(w.p, shifted(member.valueStart..<valueEnd, w))
                    } else if arguments == nil, JSONCallObject.keyMatches(w.p, key, keys.arguments) {
                        arguments = m
                    } else if let valueEnd = member.valueEnd, JSONCallObject.keyMatches(w.p, key, keys.id) {
                        id = JSONCallObject.decodeString(w.p, shifted(member.valueStart..<valueEnd, w))
                    }
                }
                // A tentative start (`{` in prose) is a call only once its arguments are complete: before that
                // a stream would show calls that turn out to be prose.
                let ready = tentative ? arguments.map { members[$0].valueEnd != nil } ?? false
                    : (arguments != nil || !keys.argumentsRequired)
                if let name, !name.isEmpty, ready {
                    slot = startEagerCall(w, name: name, id: id)
                    call.eager.objectSlots[object] = slot
                    if let arguments { call.eager.argumentsMember[object] = arguments }
                }
            } else if call.eager.argumentsMember[object] == nil {
                for m in memberIndex..<end where JSONCallObject.keyMatches(w.p, shifted(members[m].key, w), keys.arguments) {
                    call.eager.argumentsMember[object] = m
                    break
                }
            }
            if let slot, let m = call.eager.argumentsMember[object], w[members[m].valueStart] == UInt8(ascii: "{") {
                let from = call.eager.calls[slot].sentEnd ?? members[m].valueStart
                let to = members[m].valueEnd ?? scanner.position
                if to > from { sendArguments(w, slot: slot, from..<to) }
            }
            guard scanner.objects[object].end != nil else { break }
            // This object is complete: what is left of it is sent when the call text is finalized.
            object += 1
            memberIndex = end
        }
        call.eager.openObject = object
        call.eager.openMember = memberIndex
    }

    private func shifted(_ range: Range<Int>, _ w: ByteWindow) -> Range<Int> {
        (range.lowerBound - w.base)..<(range.upperBound - w.base)
    }

    private mutating func streamNameThenJSON(_ w: ByteWindow) {
        let scanner = call.nameThenJSON
        guard let nameRange = scanner.nameRange, let start = scanner.argumentsStart else { return }
        if !call.eager.started {
            let id = scanner.idRange.flatMap { $0.isEmpty ? nil : Bytes.string(w.p, shifted($0, w)) }
            _ = startEagerCall(w, name: Bytes.string(w.p, shifted(nameRange, w)), id: id)
        }
        let from = call.eager.calls[0].sentEnd ?? start
        if scanner.position > from { sendArguments(w, slot: 0, from..<scanner.position) }
    }

    private mutating func streamXML(_ w: ByteWindow, body: XMLParametersBody) {
        let bodyBytes = w.slice(call.bodyStart..<w.end)
        if call.eager.xmlNext == nil {
            guard case .header(let name, let next) = body.header(bodyBytes, end: bodyBytes.count, final: false) else {
                return
            }
            _ = startEagerCall(w, name: name, id: nil)
            call.eager.xmlNext = call.bodyStart + next
            call.eager.xmlTool = name
            call.eager.consumedEnd = call.bodyStart + next
        }
        while let next = call.eager.xmlNext {
            let step = body.step(bodyBytes, from: next - call.bodyStart, end: bodyBytes.count, final: false,
                                 closed: false, tool: call.eager.xmlTool, tools: tools,
                                 valueSearchFrom: call.eager.xmlValueSearch.map { $0 - call.bodyStart })
            if case .needMore(let searched) = step {
                call.eager.xmlValueSearch = searched.map { $0 + call.bodyStart }
                return
            }
            guard case .parameter(let key, let value, let after) = step else { return }
            call.eager.xmlValueSearch = nil
            let fragment = (call.eager.calls[0].arguments.isEmpty ? "{" : ",") + key.jsonQuoted() + ":"
                + value.serialized(.compact)
            call.eager.calls[0].arguments += fragment
            call.eager.calls[0].sentBytes += fragment.utf8.count
            out.append(.toolCallArguments(index: call.eager.calls[0].index, fragment: fragment))
            call.eager.xmlNext = call.bodyStart + after
            call.eager.consumedEnd = call.bodyStart + after
        }
    }
}
