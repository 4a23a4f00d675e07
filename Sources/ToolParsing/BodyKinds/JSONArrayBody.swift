/// `[{"name": …, "arguments": …}, …]` — Mistral before v11, Command R7B (with its own keys).
/// Elements that are not calls go to content; the others are still returned.
struct JSONArrayBody: BodyKind {
    let keys: JSONCallKeys

    var kindName: String { "json_array" }
    var extent: BodyExtent { .json(.array) }
    var eagerShape: EagerShape { .jsonCalls(keys: keys, depth: 2) }

    func recognize(_ body: UnsafeBufferPointer<UInt8>, final: Bool) -> Recognition {
        let i = Bytes.skipWhitespace(body, from: 0, to: body.count)
        if i == body.count { return final ? .no : .needMore }
        return body[i] == UInt8(ascii: "[") ? .yes : .no
    }

    func parse(_ body: UnsafeBufferPointer<UInt8>, context: BodyContext) -> BodyParse {
        var scanner = JSONExtentScanner(from: 0, top: .array, memberDepth: 2)
        if case .failure(let failure) = JSONBodyScan.complete(&scanner, body) { return failure.parse }
        var calls: [BodyCall] = []
        var rejected: [RejectedPart] = []
        var objectIndex = 0
        let members = scanner.members
        var memberIndex = 0
        for element in scanner.elements {
            guard let end = element.end else { continue }
            let range = element.start..<end
            guard objectIndex < scanner.objects.count, scanner.objects[objectIndex].start == element.start else {
                rejected.append(RejectedPart(range: range, reason: "array element is not a call object"))
                continue
            }
            let first = memberIndex
            while memberIndex < members.count, members[memberIndex].object == objectIndex { memberIndex += 1 }
            objectIndex += 1
            switch JSONCallObject.extract(body, members: members[first..<memberIndex], keys: keys) {
            case .success(let call): calls.append(call)
            case .failure(let error): rejected.append(RejectedPart(range: range, reason: error.reason))
            }
        }
        return .calls(calls, rejected: rejected)
    }
}
