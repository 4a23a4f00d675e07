import Foundation
import JSON
import Testing

/// llama.cpp's own grammar engine, reached through llama-cpp-python (`Support/llama_grammar_check.py`): the
/// strong check that a generated grammar loads where it is sent and accepts what our matcher accepts.
///
/// The Python interpreter is `$TOOLGATE_LLAMA_PYTHON` or `python3`; tests that need it are skipped, with a
/// message, when it cannot import `llama_cpp`. Texts are checked with the vocab-only Qwen2 GGUF from the
/// team's shared fixtures (`../shared/fixtures/gguf/ggml-vocab-qwen2.gguf`); without it only loading is checked.
enum LlamaCpp {
    struct Case: Sendable {
        var grammar: String
        var texts: [String] = []
    }

    struct Result: Sendable, Equatable {
        var loads: Bool
        /// Per text, when a vocabulary was available; else empty.
        var accepts: [Bool]
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("llama_grammar_check.py").path

    static let python: String = ProcessInfo.processInfo.environment["TOOLGATE_LLAMA_PYTHON"] ?? "python3"

    static let vocabulary: String? = {
        let path = Repository.shared + "/gguf/ggml-vocab-qwen2.gguf"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }()

    /// Whether `python` imports `llama_cpp`.
    static let available: Bool = {
        (try? run(["-c", "import llama_cpp"], input: Data()).status) == 0
    }()

    static let skipMessage: Comment =
        "llama_cpp is not importable; set TOOLGATE_LLAMA_PYTHON to a Python with llama-cpp-python installed"

    /// Runs the cases through llama.cpp.
    static func check(_ cases: [Case]) throws -> [Result] {
        let request: JSONValue = [
            "vocab": vocabulary.map(JSONValue.string) ?? .null,
            "cases": .array(cases.map { ["grammar": .string($0.grammar), "texts": .array($0.texts.map(JSONValue.string))] }),
        ]
        let (status, output) = try run([script], input: Data(request.serialized().utf8))
        guard status == 0 else { throw CheckFailed(description: "llama_grammar_check.py exited with \(status)") }
        let response = try JSONParser().parse(Array(output))
        guard let results = response["results"]?.arrayValue, results.count == cases.count else {
            throw CheckFailed(description: "llama_grammar_check.py answered \(response.serialized().prefix(200))")
        }
        return results.map { result in
            Result(loads: result["loads"]?.boolValue ?? false,
                   accepts: (result["accepts"]?.arrayValue ?? []).map { $0.boolValue ?? false })
        }
    }

    private static func run(_ arguments: [String], input: Data) throws -> (status: Int32, output: Data) {
        let process = Process()
        // Under a memory limit: some grammars make llama.cpp allocate without end, and the machine is shared.
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v 4000000; exec \"$0\" \"$@\"", python] + arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The script reads all of stdin before writing, so writing first cannot deadlock.
        let writer = Thread {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    struct CheckFailed: Error, CustomStringConvertible {
        var description: String
    }
}
