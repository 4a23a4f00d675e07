import ArgumentParser

/// `toolgate bench …`: throughput figures, each printed next to a baseline measured in the same run.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput against a baseline measured in the same run.",
        subcommands: [BenchJSON.self, BenchBackend.self, BenchHTTP.self, BenchParsers.self, BenchGateway.self, BenchRender.self]
    )
}
