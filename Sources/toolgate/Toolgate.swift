import ArgumentParser
import Logging

/// The `toolgate` command: an OpenAI-compatible gateway with real tool calling for raw-text LLMs.
@main
struct Toolgate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "toolgate",
        abstract: "An OpenAI-compatible chat API with real tool calling, in front of any raw-text LLM.",
        subcommands: [Serve.self, Replay.self, Render.self, Parsers.self, Bench.self, FakeBackendCommand.self]
    )
}
