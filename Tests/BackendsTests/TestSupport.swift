import FakeBackend
import JSON
import Logging
import ToolParsing

@testable import Backends

/// What a completion stream delivered: its text pieces, its final event and how it ended.
struct Outcome {
    var pieces: [String] = []
    var finish: FinishReason?
    var usage: Usage?
    var error: BackendError?
    var otherError: (any Error)?

    var text: String { pieces.joined() }
}

func collect(_ stream: AsyncThrowingStream<CompletionEvent, any Error>) async -> Outcome {
    var outcome = Outcome()
    do {
        for try await event in stream {
            switch event {
            case .text(let piece): outcome.pieces.append(piece)
            case .finished(let reason, let usage):
                outcome.finish = reason
                outcome.usage = usage
            }
        }
    } catch let error as BackendError {
        outcome.error = error
    } catch {
        outcome.otherError = error
    }
    return outcome
}

let testLogger = Logger(label: "toolgate.tests.backends")

/// A fake backend and a backend of `dialect` pointed at it.
func makePair(
    _ dialect: String, timeouts: BackendTimeouts = BackendTimeouts(), apiKey: String? = nil
)
    throws -> (FakeBackend, Backend)
{
    let fake = try FakeBackend()
    let transport = try CurlTransport(logger: testLogger)
    let backend = try Backend(
        dialect: dialect, url: fake.baseURL, apiKey: apiKey, timeouts: timeouts,
        transport: transport, logger: testLogger)
    return (fake, backend)
}

/// Polls `condition` every 10 ms for up to `seconds`.
func eventually(within seconds: Double = 3, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}


/// Feeds `bytes` to `decoder` in random pieces and returns the events.
func decode(_ bytes: [UInt8], with decoder: any CompletionDecoder, seed: UInt64?) throws -> [CompletionEvent] {
    var events: [CompletionEvent] = []
    var generator = SplitMix64(seed: seed ?? 0)
    var offset = 0
    while offset < bytes.count {
        let size = seed == nil ? bytes.count : Int.random(in: 1...7, using: &generator)
        let end = min(bytes.count, offset + size)
        try bytes[offset..<end].withUnsafeBytes { chunk in
            try decoder.consume(chunk) { events.append($0) }
        }
        offset = end
    }
    try decoder.finish { events.append($0) }
    return events
}

/// Joins consecutive text events, so event lists compare independently of how bytes were split.
func merged(_ events: [CompletionEvent]) -> [CompletionEvent] {
    var result: [CompletionEvent] = []
    for event in events {
        if case .text(let piece) = event, case .text(let previous)? = result.last {
            result[result.count - 1] = .text(previous + piece)
        } else {
            result.append(event)
        }
    }
    return result
}
