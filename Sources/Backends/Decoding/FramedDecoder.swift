import JSON

/// What a dialect does with each JSON value of its response; ``FramedDecoder`` does the framing.
protocol ResponseInterpreter {
    /// True once the final `.finished` went out; later values are ignored.
    var isFinished: Bool { get }
    /// Handles one JSON value: the whole body, one SSE `data:` payload or one NDJSON line.
    mutating func interpret(_ value: JSONValue, emit: (CompletionEvent) -> Void) throws(BackendError)
    /// Handles SSE's `data: [DONE]`.
    mutating func done(emit: (CompletionEvent) -> Void) throws(BackendError)
    /// The body ended: emits the final event when it is still owed and can be inferred, or throws.
    mutating func end(emit: (CompletionEvent) -> Void) throws(BackendError)
}

extension ResponseInterpreter {
    mutating func done(emit: (CompletionEvent) -> Void) throws(BackendError) {
        throw .invalidResponse(what: "unexpected [DONE] in this dialect's stream", excerpt: "")
    }

    mutating func end(emit: (CompletionEvent) -> Void) throws(BackendError) {
        guard isFinished else {
            throw .invalidResponse(what: "the response ended before its final event", excerpt: "")
        }
    }
}

/// How a response body is cut into JSON values.
enum Framing {
    /// One JSON value, the whole body.
    case whole
    /// Server-sent events (`data: …` lines, a blank line ends an event; `:` comments and `event:`/`id:`/
    /// `retry:` fields ignored), as llama.cpp, OpenAI-compatible servers and TGI stream.
    case serverSentEvents
    /// One JSON value per line (Ollama).
    case jsonLines
}

/// A ``CompletionDecoder`` made of a framing and a dialect's interpreter. A JSON object with an `error`
/// member is the backend reporting a failure, in every dialect.
final class FramedDecoder<Interpreter: ResponseInterpreter>: CompletionDecoder {
    private var interpreter: Interpreter
    private let framing: Framing
    private var lines = LineSplitter()
    private var body: [UInt8] = []
    private var eventData: [UInt8] = []
    private var hasEventData = false
    private let maxBodyBytes: Int

    init(_ interpreter: Interpreter, framing: Framing, maxBodyBytes: Int = 64 << 20) {
        self.interpreter = interpreter
        self.framing = framing
        self.maxBodyBytes = maxBodyBytes
    }

    func consume(_ bytes: UnsafeRawBufferPointer, emit: (CompletionEvent) -> Void) throws(BackendError) {
        switch framing {
        case .whole:
            body.append(contentsOf: bytes)
            if body.count > maxBodyBytes {
                throw .invalidResponse(what: "a body larger than \(maxBodyBytes) bytes", excerpt: excerpt(body))
            }
        case .serverSentEvents:
            try lines.consume(bytes) { line throws(BackendError) in try eventLine(line, emit: emit) }
        case .jsonLines:
            try lines.consume(bytes) { line throws(BackendError) in try jsonLine(line, emit: emit) }
        }
    }

    func finish(emit: (CompletionEvent) -> Void) throws(BackendError) {
        switch framing {
        case .whole:
            let bytes = body
            try bytes.withUnsafeBufferPointer { buffer throws(BackendError) in try value(buffer, emit: emit) }
        case .serverSentEvents:
            if let rest = lines.takeRest() {
                try rest.withUnsafeBufferPointer { line throws(BackendError) in try eventLine(line, emit: emit) }
            }
            try dispatchEvent(emit: emit)
        case .jsonLines:
            if let rest = lines.takeRest() {
                try rest.withUnsafeBufferPointer { line throws(BackendError) in try jsonLine(line, emit: emit) }
            }
        }
        try interpreter.end(emit: emit)
    }

    private func jsonLine(_ line: UnsafeBufferPointer<UInt8>, emit: (CompletionEvent) -> Void) throws(BackendError) {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return }
        try value(line, emit: emit)
    }

    private func eventLine(_ line: UnsafeBufferPointer<UInt8>, emit: (CompletionEvent) -> Void) throws(BackendError) {
        guard let first = line.first else { return try dispatchEvent(emit: emit) }
        if first == UInt8(ascii: ":") { return }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw .invalidResponse(what: "not a server-sent-events line", excerpt: excerpt(line))
        }
        var valueStart = colon + 1
        if valueStart < line.count, line[valueStart] == UInt8(ascii: " ") { valueStart += 1 }
        let field = UnsafeBufferPointer(rebasing: line[..<colon])
        if field.elementsEqual("data".utf8) {
            if hasEventData { eventData.append(UInt8(ascii: "\n")) }
            eventData.append(contentsOf: line[valueStart...])
            hasEventData = true
        } else if !(field.elementsEqual("event".utf8) || field.elementsEqual("id".utf8)
            || field.elementsEqual("retry".utf8))
        {
            throw .invalidResponse(what: "not a server-sent-events line", excerpt: excerpt(line))
        }
    }

    private func dispatchEvent(emit: (CompletionEvent) -> Void) throws(BackendError) {
        guard hasEventData else { return }
        let data = eventData
        eventData.removeAll(keepingCapacity: true)
        hasEventData = false
        if data.elementsEqual("[DONE]".utf8) {
            if !interpreter.isFinished { try interpreter.done(emit: emit) }
            return
        }
        try data.withUnsafeBufferPointer { buffer throws(BackendError) in try value(buffer, emit: emit) }
    }

    private func value(_ bytes: UnsafeBufferPointer<UInt8>, emit: (CompletionEvent) -> Void) throws(BackendError) {
        let parsed: JSONValue
        do {
            parsed = try JSONParser().parse(bytes: bytes)
        } catch {
            throw .invalidResponse(what: "not JSON (\(error))", excerpt: excerpt(bytes))
        }
        if let error = parsed["error"], !error.isNull {
            throw .backendReported(message: Self.message(of: error))
        }
        guard !interpreter.isFinished else { return }
        try interpreter.interpret(parsed, emit: emit)
    }

    /// The message of an error member: a string, or an object's `message`, or its JSON text.
    private static func message(of error: JSONValue) -> String {
        if let text = error.stringValue { return text }
        if let text = error["message"]?.stringValue { return text }
        return error.serialized()
    }
}

extension FinishReason {
    /// Maps each dialect's spelling: llama.cpp `eos`/`word`/`limit`, OpenAI `stop`/`length`, TGI
    /// `eos_token`/`stop_sequence`/`length`, Ollama `stop`/`length`.
    init(backendValue: String) {
        switch backendValue {
        case "stop", "eos", "eos_token", "stop_sequence", "word", "end_turn", "stop_word": self = .stop
        case "length", "limit", "max_tokens": self = .length
        default: self = .other(backendValue)
        }
    }
}

extension JSONValue {
    /// The value as an Int when it is an integer number.
    var intValue: Int? { numberValue?.intValue }
}
