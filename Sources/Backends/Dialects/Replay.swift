import Foundation
public import Logging

/// A backend that answers from captures (see ``CaptureRecord`` for the file format) instead of a model:
/// the embedded default, so toolgate runs and is tested with no model at all. In-process, no HTTP.
///
/// A request is answered by the capture whose `prompt` equals the request's prompt exactly (the first
/// such line in the file). Streamed, the capture's text goes out in pieces of `chunkCharacters`
/// characters, `chunkDelay` apart, so the streaming path runs as it does against a model. No match
/// throws ``BackendError/noCaptureForPrompt(loaded:closestCommonPrefix:promptLength:)`` (502).
///
/// Demo fallback (`matchLastUserMessage`, off by default): when no prompt matches exactly, answer with
/// the capture whose `last_user_message` appears latest in the prompt (ties: the longest message).
/// Convenient when templates or system prompts drift; wrong for anything that needs exact replays.
public final class ReplayBackend: Sendable {
    public struct Options: Sendable {
        /// Characters per streamed `.text` event (at least 1).
        public var chunkCharacters: Int
        /// Pause between streamed events; nil sends them back to back.
        public var chunkDelay: Duration?
        /// Enables the last-user-message fallback.
        public var matchLastUserMessage: Bool

        public init(chunkCharacters: Int = 8, chunkDelay: Duration? = nil, matchLastUserMessage: Bool = false) {
            self.chunkCharacters = chunkCharacters
            self.chunkDelay = chunkDelay
            self.matchLastUserMessage = matchLastUserMessage
        }
    }

    public let options: Options
    /// Captures loaded, in file order.
    public let records: [CaptureRecord]
    /// Lines that were not captures (logged as warnings when loaded).
    public let skippedLines: Int
    private let byPrompt: [String: Int]

    /// Loads a capture file. Throws ``BackendError/invalidConfiguration(_:)`` when it cannot be read;
    /// malformed lines are skipped, counted and logged.
    public convenience init(path: String, options: Options = Options(), logger: Logger) throws(BackendError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidConfiguration("cannot read capture file \(path)")
        }
        self.init(contents: String(decoding: data, as: UTF8.self), source: path, options: options, logger: logger)
    }

    /// Captures from JSON Lines text (`source` names it in warnings).
    public convenience init(
        contents: String, source: String = "captures", options: Options = Options(),
        logger: Logger
    ) {
        var records: [CaptureRecord] = []
        var skipped = 0
        for (number, line) in contents.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            switch CaptureRecord.parse(line: String(line)) {
            case .success(let record):
                records.append(record)
            case .failure(let error):
                skipped += 1
                logger.warning(
                    "skipping capture line",
                    metadata: [
                        "file": "\(source)", "line": "\(number + 1)",
                        "reason": "\(error)",
                    ])
            }
        }
        self.init(records: records, skippedLines: skipped, options: options)
    }

    public init(records: [CaptureRecord], skippedLines: Int = 0, options: Options = Options()) {
        self.records = records
        self.skippedLines = skippedLines
        self.options = options
        var index: [String: Int] = [:]
        for (position, record) in records.enumerated() where index[record.prompt] == nil {
            index[record.prompt] = position
        }
        byPrompt = index
    }

    /// The capture that answers `prompt`, or the error a request for it gets.
    public func capture(for prompt: String) -> Result<CaptureRecord, BackendError> {
        if let position = byPrompt[prompt] { return .success(records[position]) }
        if options.matchLastUserMessage, let record = fallbackCapture(for: prompt) { return .success(record) }
        let closest = records.lazy.map { Self.commonPrefixLength($0.prompt, prompt) }.max() ?? 0
        return .failure(
            .noCaptureForPrompt(
                loaded: records.count, closestCommonPrefix: closest,
                promptLength: prompt.count))
    }

    public func complete(_ request: CompletionRequest) -> AsyncThrowingStream<CompletionEvent, any Error> {
        start(request).events
    }

    /// The captured answer to `request.prompt`, paced by `chunkDelay` when streamed; `cancel` stops the pacing.
    public func start(_ request: CompletionRequest) -> CompletionCall {
        let record: CaptureRecord
        switch capture(for: request.prompt) {
        case .success(let found): record = found
        case .failure(let error): return .failed(error)
        }
        let pieces =
            request.stream
            ? Self.chunks(record.text, size: max(1, options.chunkCharacters))
            : (record.text.isEmpty ? [] : [record.text])
        let final = CompletionEvent.finished(record.finishReason, record.usage)
        guard let delay = options.chunkDelay, request.stream else {
            let events = AsyncThrowingStream<CompletionEvent, any Error> { continuation in
                for piece in pieces { continuation.yield(.text(piece)) }
                continuation.yield(final)
                continuation.finish()
            }
            return CompletionCall(events: events, cancel: {})
        }
        let (events, continuation) = AsyncThrowingStream<CompletionEvent, any Error>.makeStream()
        let task = Task {
            do {
                for (number, piece) in pieces.enumerated() {
                    if number > 0 { try await Task.sleep(for: delay) }
                    continuation.yield(.text(piece))
                }
                continuation.yield(final)
                continuation.finish()
            } catch {
                continuation.finish(throwing: BackendError.cancelled)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return CompletionCall(events: events, cancel: { task.cancel() })
    }

    private func fallbackCapture(for prompt: String) -> CaptureRecord? {
        var best: (record: CaptureRecord, end: String.Index, length: Int)?
        for record in records {
            guard let message = record.lastUserMessage, !message.isEmpty,
                let found = prompt.range(of: message, options: .backwards)
            else { continue }
            if let current = best,
                found.upperBound < current.end || (found.upperBound == current.end && message.count <= current.length)
            {
                continue
            }
            best = (record, found.upperBound, message.count)
        }
        return best?.record
    }

    static func chunks(_ text: String, size: Int) -> [String] {
        var pieces: [String] = []
        var index = text.startIndex
        while index < text.endIndex {
            let end = text.index(index, offsetBy: size, limitedBy: text.endIndex) ?? text.endIndex
            pieces.append(String(text[index..<end]))
            index = end
        }
        return pieces
    }

    static func commonPrefixLength(_ a: String, _ b: String) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }
}
