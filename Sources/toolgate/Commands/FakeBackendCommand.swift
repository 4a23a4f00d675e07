import ArgumentParser
import Backends
import FakeBackend
import Foundation
import HTTPServer
import JSON
import Logging

/// `toolgate fake-backend` (hidden): the in-process ``FakeBackend`` as a process, so end-to-end tests in
/// any language can put a real HTTP backend (every dialect: llama.cpp, OpenAI completions, TGI, Ollama)
/// behind `toolgate serve` and make it fail on demand.
///
/// Answers come from capture files (the `replay` dialect's format and matching: exact prompt, or with
/// `--fallback` the capture whose `last_user_message` is in the prompt), else `--reply`. A `--fault
/// NEEDLE=KIND` makes every request whose prompt contains NEEDLE misbehave. Prints one line,
/// `fake-backend listening on 127.0.0.1:PORT`, then serves until SIGINT or SIGTERM.
struct FakeBackendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fake-backend",
        abstract: "Serve the fake raw-completion backend (every dialect) for tests and benchmarks.",
        discussion: """
            Fault kinds: status:CODE (answer CODE with an error body), stall:SECONDS (send nothing for that
            long), close (close without a response), reset:N (reset the connection after N streamed events),
            error-event:N (a streamed error event after N events), garbage (a 200 whose body is not JSON).
            """,
        shouldDisplay: false)

    @Option(help: "Port on 127.0.0.1 (0 picks a free one; the line printed at start says which).")
    var port: Int = 0

    @Option(name: .customLong("captures"), help: "A capture file (JSON Lines) to answer from (repeatable).")
    var captureFiles: [String] = []

    @Flag(help: "Answer a prompt no capture matches exactly by the capture whose last_user_message it contains.")
    var fallback = false

    @Option(help: "The answer when no capture file is given.")
    var reply: String = "Hello from the fake backend."

    @Option(help: "Characters per streamed event.")
    var pieceCharacters: Int = 3

    @Option(name: .customLong("fault"), help: "NEEDLE=KIND: misbehave for prompts that contain NEEDLE (repeatable).")
    var faultArguments: [String] = []

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        for argument in faultArguments { _ = try Self.fault(argument) }
    }

    func run() async throws {
        let logger = Logger(label: "toolgate.fake-backend")
        var contents = ""
        for path in captureFiles {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read the capture file \(path)")
            }
            contents += String(decoding: data, as: UTF8.self) + "\n"
        }
        let captures = captureFiles.isEmpty ? nil : ReplayBackend(
            contents: contents, source: captureFiles.joined(separator: ", "),
            options: .init(matchLastUserMessage: fallback), logger: logger)
        let faults = try faultArguments.map(Self.fault)
        let pieces = max(1, pieceCharacters)
        let fake = try FakeBackend(port: UInt16(port), defaultReply: FakeReply(reply, pieceCharacters: pieces),
                                   recordRequests: false)
        let fallbackText = reply
        fake.respond { request in
            let prompt = request.prompt ?? ""
            if let fault = faults.first(where: { prompt.contains($0.needle) }) {
                return FakeReply.failing(fault.misbehaviour, text: fallbackText)
            }
            guard let captures else { return FakeReply(fallbackText, pieceCharacters: pieces) }
            switch captures.capture(for: prompt) {
            case .success(let record):
                return FakeReply(record.text, finishReason: record.finishReason.description,
                                 promptTokens: record.usage?.promptTokens ?? 7,
                                 completionTokens: record.usage?.completionTokens, pieceCharacters: pieces)
            case .failure(let error):
                let body: JSONValue = ["error": ["code": 404, "message": .string("\(error)"),
                                                 "type": "not_found_error"]]
                return .failing(.status(404, body: body.serialized()))
            }
        }
        let signals = ShutdownSignals()
        // Unbuffered, so a parent reading a pipe sees the line at once.
        FileHandle.standardOutput.write(Data("fake-backend listening on 127.0.0.1:\(fake.port)\n".utf8))
        _ = await signals.next()
        fake.stop()
    }

    /// Parses `NEEDLE=KIND` (the last `=` separates, so a needle may contain one).
    static func fault(_ argument: String) throws -> (needle: String, misbehaviour: FakeMisbehaviour) {
        guard let separator = argument.lastIndex(of: "="), separator != argument.startIndex else {
            throw ValidationError("--fault '\(argument)' is not NEEDLE=KIND")
        }
        let needle = String(argument[..<separator])
        let kind = argument[argument.index(after: separator)...]
        let parts = kind.split(separator: ":", maxSplits: 1).map(String.init)
        let value = parts.count > 1 ? parts[1] : nil
        func number() throws -> Double {
            guard let value, let number = Double(value), number >= 0 else {
                throw ValidationError("--fault '\(argument)': \(parts[0]) needs a non-negative number after ':'")
            }
            return number
        }
        switch parts.first ?? "" {
        case "status":
            let code = Int(try number())
            guard (100...599).contains(code) else { throw ValidationError("--fault '\(argument)': bad status") }
            return (needle, .status(code, body: #"{"error": {"code": \#(code), "message": "injected failure"}}"#))
        case "stall": return (needle, .stallBeforeResponse(.milliseconds(Int64(try number() * 1000))))
        case "close": return (needle, .closeWithoutResponse)
        case "reset": return (needle, .resetMidStream(afterEvents: Int(try number())))
        case "error-event": return (needle, .errorEvent(afterEvents: Int(try number()), message: "injected failure"))
        case "garbage": return (needle, .garbageBody("this is not JSON"))
        default:
            throw ValidationError("--fault '\(argument)': unknown kind '\(kind)' (status:CODE, stall:SECONDS, "
                                  + "close, reset:N, error-event:N, garbage)")
        }
    }
}
