import ArgumentParser
import Backends
import CCurl
import FakeBackend
import Foundation
import Logging

/// `toolgate bench backend`: per-request and per-chunk cost of the backend transport against the instant
/// fake backend, next to a bare libcurl easy-handle loop measured in the same run.
struct BenchBackend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend",
        abstract: "Requests and streamed chunks through CurlTransport to the in-process fake backend, vs bare libcurl.")

    @Option(help: "Sequential requests per figure.")
    var requests = 3000

    @Option(help: "Requests in flight for the concurrent figure.")
    var concurrency = 16

    @Option(help: "Streamed events in the streaming figure.")
    var chunks = 20000

    func run() async throws {
        let logger = Logger(label: "toolgate.bench")
        let fake = try FakeBackend(
            defaultReply: FakeReply("{\"name\": \"get_weather\", \"arguments\": {}}"),
            recordRequests: false)
        defer { fake.stop() }
        let transport = try CurlTransport(logger: logger)
        let backend = try Backend(dialect: "llamacpp", url: fake.baseURL, transport: transport, logger: logger)
        let prompt = String(repeating: "<|im_start|>user\nWhat is the weather?<|im_end|>\n", count: 40)
        let request = CompletionRequest(prompt: prompt, maxTokens: 64)
        let body = Array("{\"prompt\":\(prompt.debugDescription),\"n_predict\":64,\"stream\":false}".utf8)

        print("backend: fake llama.cpp on loopback, prompt \(prompt.utf8.count) bytes")
        print("figure                                   µs/op")
        let bare = try bareCurl(url: fake.baseURL + "/completion", body: body, count: requests)
        line("bare libcurl easy loop, sequential", bare)
        let bareMulti = try bareMultiCurl(url: fake.baseURL + "/completion", body: body, count: requests, width: 1)
        line("bare libcurl multi, sequential", bareMulti)
        let bareParallel = try bareMultiCurl(
            url: fake.baseURL + "/completion", body: body, count: requests,
            width: concurrency)
        line("bare libcurl multi, \(concurrency) in flight", bareParallel)
        _ = try await sequential(backend, request, count: 200)
        let ours = try await sequential(backend, request, count: requests)
        line("CurlTransport, sequential", ours)
        let parallel = try await concurrent(backend, request, count: requests, width: concurrency)
        line("CurlTransport, \(concurrency) in flight", parallel)

        fake.enqueue(FakeReply(String(repeating: "x", count: 4), pieceCharacters: 1))
        let streamText = String(repeating: "a", count: chunks)
        fake.enqueue(FakeReply(streamText, pieceCharacters: 1, emptyEventsBeforeMultibyte: false))
        fake.enqueue(FakeReply(streamText, pieceCharacters: 1, emptyEventsBeforeMultibyte: false))
        _ = try await backend.completeWhole(CompletionRequest(prompt: "warm", stream: true))
        let streamBody = Array("{\"prompt\":\"p\",\"stream\":true}".utf8)
        let bareStream =
            try bareCurl(url: fake.baseURL + "/completion", body: streamBody, count: 1, warmUp: false) / Double(chunks)
        line("bare libcurl, streamed (per chunk)", bareStream)
        let clock = ContinuousClock()
        let start = clock.now
        var events = 0
        for try await event in backend.complete(CompletionRequest(prompt: "p", stream: true)) {
            if case .text = event { events += 1 }
        }
        let ourStream = (clock.now - start).microseconds / Double(events)
        line("CurlTransport, streamed (per chunk)", ourStream)
        let hop = await threadRoundTrip(count: requests)
        line("task → thread → task round trip", hop)
        print(String(format: "sequential vs bare libcurl multi: %+.1f µs/request (%.2fx; one task/thread round trip "
                     + "is %.1f µs)", ours - bareMulti, ours / bareMulti, hop))
        print(
            String(
                format: "%d in flight vs bare libcurl multi: %+.1f µs/request (%.2fx)", concurrency,
                parallel - bareParallel, parallel / bareParallel))
        print(
            String(
                format: "streamed overhead vs bare libcurl: %+.2f µs/chunk (%.2fx)", ourStream - bareStream,
                ourStream / bareStream))
    }

    private func line(_ name: String, _ micros: Double) {
        print(name.padding(toLength: 38, withPad: " ", startingAt: 0) + String(format: "%10.1f", micros))
    }

    private func sequential(_ backend: Backend, _ request: CompletionRequest, count: Int) async throws -> Double {
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count { _ = try await backend.completeWhole(request) }
        return (clock.now - start).microseconds / Double(count)
    }

    private func concurrent(
        _ backend: Backend, _ request: CompletionRequest, count: Int, width: Int
    ) async throws
        -> Double
    {
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for lane in 0..<width {
                group.addTask {
                    for _ in stride(from: lane, to: count, by: width) { _ = try await backend.completeWhole(request) }
                }
            }
            try await group.waitForAll()
        }
        return (clock.now - start).microseconds / Double(count)
    }

    /// The floor: one easy handle, `curl_easy_perform` in a loop, body discarded.
    private func bareCurl(url: String, body: [UInt8], count: Int, warmUp: Bool = true) throws -> Double {
        guard let easy = curl_easy_init() else { throw ValidationError("curl_easy_init failed") }
        defer { curl_easy_cleanup(easy) }
        var headers: UnsafeMutablePointer<curl_slist>?
        for header in ["Content-Type: application/json", "Expect:"] { headers = curl_slist_append(headers, header) }
        defer { curl_slist_free_all(headers) }
        let discard: curl_write_callback = { _, size, count, _ in size * count }
        return body.withUnsafeBufferPointer { buffer in
            _ = ccurl_setopt_str(easy, CURLOPT_URL, url)
            _ = ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
            _ = ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, headers)
            _ = ccurl_setopt_ptr(easy, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
            _ = ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(buffer.count))
            _ = ccurl_setopt_write(easy, CURLOPT_WRITEFUNCTION, discard)
            if warmUp { _ = curl_easy_perform(easy) }
            let clock = ContinuousClock()
            let start = clock.now
            for _ in 0..<count { _ = curl_easy_perform(easy) }
            return (clock.now - start).microseconds / Double(count)
        }
    }
}

extension BenchBackend {
    /// `width` easy handles kept in flight on one multi handle driven by this thread: libcurl's multi
    /// interface with no thread hop and no Swift concurrency, the floor for CurlTransport.
    func bareMultiCurl(url: String, body: [UInt8], count: Int, width: Int) throws -> Double {
        guard let multi = curl_multi_init() else { throw ValidationError("curl_multi_init failed") }
        defer { curl_multi_cleanup(multi) }
        var headers: UnsafeMutablePointer<curl_slist>?
        for header in ["Content-Type: application/json", "Expect:"] { headers = curl_slist_append(headers, header) }
        defer { curl_slist_free_all(headers) }
        let discard: curl_write_callback = { _, size, count, _ in size * count }
        var handles: [UnsafeMutableRawPointer] = []
        defer { for easy in handles { curl_easy_cleanup(easy) } }
        return body.withUnsafeBufferPointer { buffer in
            for _ in 0..<width {
                guard let easy = curl_easy_init() else { break }
                _ = ccurl_setopt_str(easy, CURLOPT_URL, url)
                _ = ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
                _ = ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, headers)
                _ = ccurl_setopt_ptr(easy, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
                _ = ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(buffer.count))
                _ = ccurl_setopt_write(easy, CURLOPT_WRITEFUNCTION, discard)
                handles.append(easy)
            }
            func drive(_ total: Int) {
                var started = 0
                var finished = 0
                for easy in handles where started < total {
                    _ = curl_multi_add_handle(multi, easy)
                    started += 1
                }
                var running: Int32 = 0
                while finished < total {
                    _ = curl_multi_perform(multi, &running)
                    var left: Int32 = 0
                    while let message = curl_multi_info_read(multi, &left) {
                        guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else {
                            continue
                        }
                        finished += 1
                        _ = curl_multi_remove_handle(multi, easy)
                        if started < total {
                            _ = curl_multi_add_handle(multi, easy)
                            started += 1
                        }
                    }
                    if finished < total { _ = curl_multi_poll(multi, nil, 0, 1000, nil) }
                }
            }
            drive(width)
            let clock = ContinuousClock()
            let start = clock.now
            drive(count)
            return (clock.now - start).microseconds / Double(count)
        }
    }
}

/// The floor any async API over a dedicated I/O thread pays per request: a task hands work to a thread
/// and is resumed by it.
private final class RoundTrip: @unchecked Sendable {
    private let condition = NSCondition()
    private var pending: [CheckedContinuation<Void, Never>] = []

    init() {
        let thread = Thread { [self] in
            while true {
                condition.lock()
                while pending.isEmpty { condition.wait() }
                let work = pending
                pending.removeAll()
                condition.unlock()
                for continuation in work { continuation.resume() }
            }
        }
        thread.start()
    }

    func hop() async {
        await withCheckedContinuation { continuation in
            condition.lock()
            pending.append(continuation)
            condition.signal()
            condition.unlock()
        }
    }
}

extension BenchBackend {
    func threadRoundTrip(count: Int) async -> Double {
        let roundTrip = RoundTrip()
        for _ in 0..<100 { await roundTrip.hop() }
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<count { await roundTrip.hop() }
        return (clock.now - start).microseconds / Double(count)
    }
}

extension Duration {
    var microseconds: Double {
        Double(components.seconds) * 1e6 + Double(components.attoseconds) / 1e12
    }
}
