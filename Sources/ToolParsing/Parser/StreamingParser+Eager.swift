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
            /// The argument text sent so far.
            var arguments: String
        }

        var calls: [Started] = []
        /// Output offset up to which the call text is represented by what was sent.
        var consumedEnd = 0
        /// JSON: the first object (of a JSON array body) not yet fully sent, and its first member.
        var openObject = 0
        var openMember = 0
        /// Per started call: offset of the next argument byte to send.
        var argumentsSent: [Int: Int] = [:]
        /// JSON: the call slot of each started call object.
        var objectSlots: [Int: Int] = [:]
        /// XML: the offset of the next parameter to read, once the header is read.
        var xmlNext: Int?
        var xmlTool = ""

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
        call.eager.calls.append(EagerProgress.Started(index: index, id: id, name: name, arguments: ""))
        return call.eager.calls.count - 1
    }

    private mutating func sendArguments(_ w: ByteWindow, slot: Int, _ range: Range<Int>) {
        // Never split a UTF-8 sequence between fragments.
        let end = Bytes.scalarBoundary(w.p, from: range.lowerBound - w.base, to: range.upperBound - w.base) + w.base
        guard end > range.lowerBound else { return }
        let fragment = Bytes.string(w.p, (range.lowerBound - w.base)..<(end - w.base))
        call.eager.calls[slot].arguments += fragment
        out.append(.toolCallArguments(index: call.eager.calls[slot].index, fragment: fragment))
        call.eager.argumentsSent[slot] = end
        call.eager.consumedEnd = max(call.eager.consumedEnd, end)
    }

    private mutating func streamJSONCalls(_ w: ByteWindow, keys: JSONCallKeys, tentative: Bool) {
        let scanner = call.json
        let members = scanner.members
        var object = call.eager.openObject
        var memberIndex = call.eager.openMember
        while object < scanner.objects.count {
            var name: String?
            var id: String?
            var arguments: JSONExtentScanner.Member?
            var m = memberIndex
            while m < members.count, members[m].object == object {
                let member = members[m]
                if let end = member.valueEnd, JSONCallObject.keyMatches(w.p, shifted(member.key, w), keys.name) {
                    name = JSONCallObject.decodeString(w.p, shifted(member.valueStart..<end, w))
                } else if arguments == nil, JSONCallObject.keyMatches(w.p, shifted(member.key, w), keys.arguments) {
                    arguments = member
                } else if let end = member.valueEnd, JSONCallObject.keyMatches(w.p, shifted(member.key, w), keys.id) {
                    id = JSONCallObject.decodeString(w.p, shifted(member.valueStart..<end, w))
                }
                m += 1
            }
            var slot = call.eager.objectSlots[object]
            // A tentative start (`{` in prose) is a call only once its arguments are complete: before that
            // a stream would show calls that turn out to be prose.
            let ready = tentative ? arguments?.valueEnd != nil : (arguments != nil || !keys.argumentsRequired)
            if slot == nil, let name, !name.isEmpty, ready {
                slot = startEagerCall(w, name: name, id: id)
                call.eager.objectSlots[object] = slot
            }
            if let slot, let arguments, w[arguments.valueStart] == UInt8(ascii: "{") {
                let from = call.eager.argumentsSent[slot] ?? arguments.valueStart
                let to = arguments.valueEnd ?? scanner.position
                if to > from { sendArguments(w, slot: slot, from..<to) }
            }
            guard scanner.objects[object].end != nil else { break }
            // This object is complete: what is left of it is sent when the call text is finalized.
            object += 1
            memberIndex = m
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
        let from = call.eager.argumentsSent[0] ?? start
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
            guard case .parameter(let key, let value, let after) = body.step(
                bodyBytes, from: next - call.bodyStart, end: bodyBytes.count, final: false, closed: false,
                tool: call.eager.xmlTool, tools: tools)
            else { return }
            let fragment = (call.eager.calls[0].arguments.isEmpty ? "{" : ",") + key.jsonQuoted() + ":"
                + value.serialized(.compact)
            call.eager.calls[0].arguments += fragment
            out.append(.toolCallArguments(index: call.eager.calls[0].index, fragment: fragment))
            call.eager.xmlNext = call.bodyStart + after
            call.eager.consumedEnd = call.bodyStart + after
        }
    }
}
