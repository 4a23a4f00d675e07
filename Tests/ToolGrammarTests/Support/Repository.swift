import Foundation
import JSON
import ToolParsing

/// Paths of the repository, computed from this file so tests run from any working directory.
enum Repository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let parsers = root.appendingPathComponent("parsers").path
    static let fixtures = root.appendingPathComponent("Tests/Fixtures/grammar").path
    /// The team's shared fixtures next to the repository (absent outside the team's workspace).
    static let shared = root.deletingLastPathComponent().appendingPathComponent("shared/fixtures").path

    static let registry = FamilyRegistry(directories: [parsers])

    static func family(_ name: String) throws -> Family { try registry.family(named: name) }

    static var familyNames: [String] { registry.families.map(\.name).sorted() }

    /// A JSON fixture file under `Tests/Fixtures/grammar`.
    static func fixture(_ name: String) throws -> JSONValue {
        let path = fixtures + "/" + name
        guard let data = FileManager.default.contents(atPath: path) else { throw FixtureMissing(path: path) }
        return try JSONParser().parse(Array(data))
    }
}

struct FixtureMissing: Error, CustomStringConvertible {
    let path: String
    var description: String { "missing fixture \(path)" }
}
