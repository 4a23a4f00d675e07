/// A body that holds calls of the same family in one of its other wire shapes: llama.cpp's Hermes
/// parser accepts a code fence around a wrapped call (```` ```xml\n<response>{…}</response>\n``` ````).
/// The body must be nothing but calls and whitespace.
struct NestedCallsBody: BodyKind {
    var kindName: String { "nested" }
    var extent: BodyExtent { .endMarker }

    func recognize(_ body: UnsafeBufferPointer<UInt8>, final: Bool) -> Recognition {
        let i = Bytes.skipWhitespace(body, from: 0, to: body.count)
        if i == body.count { return final ? .no : .needMore }
        return body[i] == UInt8(ascii: "<") ? .yes : .no
    }

    func parse(_ body: UnsafeBufferPointer<UInt8>, context: BodyContext) -> BodyParse {
        guard let family = context.family, context.nesting < 2 else {
            return .failed(reason: "calls nested too deep", truncated: false)
        }
        var options = ParserOptions(tools: context.tools)
        options.reasoning = .none
        options.nesting = context.nesting + 1
        let message = family.parse(Bytes.string(body, 0..<body.count), options: options)
        guard !message.toolCalls.isEmpty else {
            return .failed(reason: message.diagnostics.first?.message ?? "no call inside", truncated: false)
        }
        guard message.content == nil else { return .failed(reason: "text around the nested calls", truncated: false) }
        return .calls(message.toolCalls.map { BodyCall(name: $0.name, arguments: $0.arguments) }, rejected: [])
    }
}
