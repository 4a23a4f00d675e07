import ArgumentParser
import Foundation
import JSON
import ToolParsing

/// `toolgate replay`: runs recorded raw outputs through a parser family (DESIGN.md's contract).
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse recorded raw model outputs (JSON Lines) with a parser family.",
        discussion: """
        Each input line has `text` and may have `id`, `tools`, `expected`, `content_asserted`, \
        `expected_reasoning`, `content_contains`, `toolgate_expected` (used instead of `expected`) and a \
        capture's `prompt` (tells whether the prompt opened reasoning). Prints one line per input line: \
        {"id", "message", "finish_reason"}; a bad line prints {"id", "error"} and the run goes on. \
        With --check prints one line per failing case and `N passed, M failed`, and exits 1 if any failed; \
        with --stream it also fails a case whose streamed message differs from the whole-text one.
        """)

    @Option(help: "The parser family (name or alias).")
    var parser: String

    @OptionGroup var location: ParsersDirectoryOptions

    @Flag(help: "Feed each text to the streaming parser in chunks and assemble the message from the deltas.")
    var stream = false

    @Option(help: "With --stream: chunks of N Unicode scalars.")
    var chunk: Int?

    @Option(help: "With --stream: random chunk sizes (1…16 scalars) from this seed.")
    var seed: UInt64?

    @Option(help: "When a call's deltas are released: validated (default) or eager.")
    var mode: String = CommitMode.validated.rawValue

    @Flag(help: "Compare each result with the line's expectation; print failures and `N passed, M failed`.")
    var check = false

    @Flag(help: "Print each case's diagnostics (why text did not become a call) to stderr.")
    var explain = false

    @Option(help: "Reasoning markers: family (default), none, think, or START,END.")
    var reasoning: String = "family"

    @Option(help: "Where outputs start: open (inside reasoning), closed, or detect. Default: from a capture's prompt, else detect.")
    var startsInReasoning: String?

    @Argument(help: "A JSON Lines file, or - for standard input.")
    var input: String

    func validate() throws {
        if chunk != nil && seed != nil { throw ValidationError("give either --chunk or --seed, not both") }
        if (chunk != nil || seed != nil) && !stream { throw ValidationError("--chunk and --seed need --stream") }
        if let chunk, chunk < 1 { throw ValidationError("--chunk must be at least 1") }
        if CommitMode(rawValue: mode) == nil { throw ValidationError("--mode must be validated or eager") }
        if let startsInReasoning, ReasoningStart(rawValue: startsInReasoning) == nil {
            throw ValidationError("--starts-in-reasoning must be open, closed or detect")
        }
        _ = try reasoningSetting()
    }

    func run() throws {
        let registry = location.registry()
        let family = try registry.family(named: parser)
        let run = ReplayRun(family: family, commit: CommitMode(rawValue: mode) ?? .validated,
                            reasoning: try reasoningSetting(),
                            reasoningStart: startsInReasoning.flatMap(ReasoningStart.init(rawValue:)))
        let chunking: ReplayRun.Chunking = !stream ? .whole : chunk.map { .fixed($0) } ?? .seeded(seed ?? 0)
        var passed = 0
        var failed = 0
        for (n, line) in try readLines().enumerated() where !line.allSatisfy(\.isWhitespace) {
            switch ReplayCase.read(line, lineNumber: n + 1) {
            case .failure(let failure):
                if check {
                    failed += 1
                    print("FAIL \(failure.id.serialized()): \(failure.error)")
                } else {
                    print(ReplayOutput.errorLine(id: failure.id, error: "\(failure.error)"))
                }
            case .success(let replayCase):
                let message = run.message(for: replayCase, chunking: chunking)
                var problems: [String] = []
                if check { problems += ReplayCheck.differences(message, replayCase) }
                if stream {
                    let whole = run.message(for: replayCase, chunking: .whole)
                    // Eager mode may differ on malformed output, by design; flag it only for clean output.
                    if run.commit == .validated || whole.diagnostics.isEmpty {
                        let differences = ReplayCheck.streamDifferences(message, whole)
                        if check { problems += differences } else { differences.forEach { warn(replayCase.id, $0) } }
                    }
                }
                if explain { message.diagnostics.forEach { warn(replayCase.id, $0.description) } }
                if check {
                    if problems.isEmpty {
                        passed += 1
                    } else {
                        failed += 1
                        print("FAIL \(replayCase.id.serialized()): \(problems.joined(separator: "; "))")
                    }
                } else {
                    print(ReplayOutput.line(id: replayCase.id, message: message))
                }
            }
        }
        if check {
            print("\(passed) passed, \(failed) failed")
            if failed > 0 { throw ExitCode(1) }
        }
    }

    private func reasoningSetting() throws -> ReasoningSetting {
        switch reasoning {
        case "family": return .family
        case "none": return .none
        case "think": return .markers(.think)
        default:
            let parts = reasoning.split(separator: ",", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--reasoning must be family, none, think or START,END")
            }
            return .markers(ReasoningMarkers(start: parts[0], end: parts[1]))
        }
    }

    private func readLines() throws -> [String] {
        let data: Data
        if input == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard let contents = FileManager.default.contents(atPath: input) else {
                throw ValidationError("cannot read \(input)")
            }
            data = contents
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    private func warn(_ id: JSONValue, _ text: String) {
        FileHandle.standardError.write(Data("\(id.serialized()): \(text)\n".utf8))
    }
}
