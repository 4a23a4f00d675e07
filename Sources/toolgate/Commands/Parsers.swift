import ArgumentParser
import Foundation
import ToolParsing

/// `toolgate parsers`: the parser families on the search path and where each came from.
struct Parsers: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the parser families found (built-in parsers/ and --parsers-dir) and where each came from.",
        discussion: """
        Search path, first match wins: --parsers-dir, $TOOLGATE_PARSERS_DIR, parsers/ next to the executable \
        (or in a parent directory), parsers/ in the working directory. With a NAME, prints that family's wire \
        format, markers, stop strings and prefill. Exits 1 when a definition was rejected.
        """)

    @OptionGroup var location: ParsersDirectoryOptions

    @Argument(help: "A family name or alias to describe.")
    var name: String?

    func run() throws {
        let registry = location.registry()
        if let name {
            let family = try registry.family(named: name)
            print(describe(family))
        } else {
            print(table(registry.families))
        }
        for problem in registry.problems {
            FileHandle.standardError.write(Data("rejected: \(problem)\n".utf8))
        }
        if registry.families.isEmpty {
            FileHandle.standardError.write(Data("no families found in: \(registry.directories.joined(separator: ", "))\n".utf8))
        }
        if !registry.problems.isEmpty { throw ExitCode(1) }
    }

    private func table(_ families: [Family]) -> String {
        let rows = [["NAME", "ALIASES", "BODY KINDS", "SOURCE"]] + families.map { family in
            [family.name, family.aliases.joined(separator: ", "), family.bodyKindNames.joined(separator: ", "),
             family.source]
        }
        let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            (0..<3).map { row[$0].padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined() + row[3]
        }.joined(separator: "\n")
    }

    private func describe(_ family: Family) -> String {
        var lines = ["\(family.name)  (\(family.source))"]
        if !family.aliases.isEmpty { lines.append("aliases: \(family.aliases.joined(separator: ", "))") }
        lines.append("body kinds: \(family.bodyKindNames.joined(separator: ", "))")
        if let reasoning = family.reasoning { lines.append("reasoning: \(reasoning.start) … \(reasoning.end)") }
        lines.append("id style: \(family.idStyle.rawValue)")
        lines.append("stop strings: \(family.stopStrings.map { $0.debugDescription }.joined(separator: ", "))")
        if let prefill = family.prefill(functionName: nil) { lines.append("prefill: \(prefill.debugDescription)") }
        if let prefill = family.prefill(functionName: "NAME") { lines.append("prefill (named): \(prefill.debugDescription)") }
        lines.append("")
        lines.append(family.format)
        lines.append("")
        lines.append("rendered example:")
        lines.append(family.render(calls: [("get_weather", #"{"city": "Paris", "days": 3}"#)]))
        return lines.joined(separator: "\n")
    }
}
