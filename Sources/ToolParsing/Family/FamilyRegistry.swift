import Foundation

/// The families found on the search path, by name and alias.
///
/// Search path, first match wins for a name: the `--parsers-dir` directories, `$TOOLGATE_PARSERS_DIR`
/// (`:`-separated), `parsers/` next to the executable or in one of its parent directories (so a build
/// in `.build/debug/` finds the repository's), then `parsers/` in the working directory. Every
/// `*.json` file of a directory is one family; its file stem must be its `name`. A file that does not
/// load is reported in ``problems`` (with the file and the key) and does not stop the others.
public struct FamilyRegistry: Sendable {
    /// Loaded families, in search-path order.
    public private(set) var families: [Family] = []
    /// Definitions that were rejected, and names shadowed by an earlier directory.
    public private(set) var problems: [ToolParsingError] = []
    /// The directories looked at, in order.
    public let directories: [String]

    public init(directories: [String]) {
        self.directories = directories
        var byName: [String: String] = [:]
        for directory in directories {
            for file in Self.definitionFiles(in: directory) {
                switch Self.load(file) {
                case .failure(let error):
                    problems.append(error)
                case .success(let family):
                    if let earlier = byName[family.name] {
                        if URL(fileURLWithPath: earlier).deletingLastPathComponent().path
                            == URL(fileURLWithPath: file).deletingLastPathComponent().path
                        {
                            problems.append(.invalidDefinition(file: file, key: "name",
                                                               reason: "'\(family.name)' is already defined by \(earlier)"))
                        }
                        continue
                    }
                    byName[family.name] = file
                    families.append(family)
                }
            }
        }
    }

    /// The search path for the given `--parsers-dir` values; nil arguments mean this process's
    /// environment, executable and working directory.
    public static func searchPath(parsersDirs: [String], environment: [String: String]? = nil,
                                  executablePath: String? = nil, workingDirectory: String? = nil) -> [String]
    {
        let environment = environment ?? ProcessInfo.processInfo.environment
        let executablePath = executablePath ?? CommandLine.arguments.first
        let workingDirectory = workingDirectory ?? FileManager.default.currentDirectoryPath
        var path = parsersDirs
        if let variable = environment["TOOLGATE_PARSERS_DIR"] {
            path += variable.split(separator: ":").map(String.init)
        }
        if let executablePath {
            var directory = URL(fileURLWithPath: executablePath).resolvingSymlinksInPath().deletingLastPathComponent()
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("parsers").path
                if isDirectory(candidate) {
                    path.append(candidate)
                    break
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        path.append(URL(fileURLWithPath: workingDirectory).appendingPathComponent("parsers").path)
        var seen = Set<String>()
        return path.filter { seen.insert(URL(fileURLWithPath: $0).standardizedFileURL.path).inserted }
    }

    /// The family named `name` (or with that alias).
    public func family(named name: String) throws(ToolParsingError) -> Family {
        if let family = families.first(where: { $0.name == name }) ?? families.first(where: { $0.aliases.contains(name) }) {
            return family
        }
        if let problem = problems.first(where: { problem in
            if case .invalidDefinition(let file, _, _) = problem { return Self.stem(file) == name }
            if case .unreadableDefinition(let file, _) = problem { return Self.stem(file) == name }
            return false
        }) {
            throw problem
        }
        throw .unknownFamily(name: name, known: families.map(\.name))
    }

    /// Loads one definition file.
    public static func load(_ file: String) -> Result<Family, ToolParsingError> {
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(.unreadableDefinition(file: file, reason: "cannot read the file"))
        }
        do {
            let family = try Family(definitionText: String(decoding: data, as: UTF8.self), source: file)
            guard family.name == stem(file) else {
                return .failure(.invalidDefinition(file: file, key: "name",
                                                   reason: "'\(family.name)' must equal the file name '\(stem(file))'"))
            }
            return .success(family)
        } catch {
            return .failure(error)
        }
    }

    private static func definitionFiles(in directory: String) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        return names.filter { $0.hasSuffix(".json") }.sorted().map { (directory as NSString).appendingPathComponent($0) }
    }

    private static func stem(_ file: String) -> String {
        URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    }

    private static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }
}
