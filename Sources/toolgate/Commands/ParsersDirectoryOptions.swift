import ArgumentParser
import ToolParsing

/// `--parsers-dir`, shared by every command that loads parser families.
struct ParsersDirectoryOptions: ParsableArguments {
    @Option(name: .customLong("parsers-dir"),
            help: "A directory of parser family definitions, searched before the built-in ones (repeatable).")
    var directories: [String] = []

    /// The registry over the search path; `extra` (a config file's `parsers_dir`) comes after the flags.
    func registry(extra: String? = nil) -> FamilyRegistry {
        FamilyRegistry(directories: FamilyRegistry.searchPath(parsersDirs: directories + (extra.map { [$0] } ?? [])))
    }
}
