public import JSON

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A compiled Jinja2 template: parse once, render many times, from any number of threads at once.
///
/// Semantics are those of transformers' chat-template environment: jinja2's `ImmutableSandboxedEnvironment`
/// with `trim_blocks` and `lstrip_blocks`, loop controls, `{% generation %}`, `tojson` as `json.dumps`, and the
/// globals `raise_exception`, `strftime_now`, `namespace`, `dict`, `range`, `cycler`, `joiner`, `lipsum`.
public final class Template: Sendable {
    public let source: String
    private let normalizedSource: [UInt8]
    private let body: [Node]
    private let rootSlotCount: Int
    private let layoutCount: Int
    private let slotsByName: [String: Int]
    private let globalSlots: [(slot: Int, value: Value)]

    /// Compiles `source`; throws a syntax error with line, column and a caret snippet.
    public init(_ source: String) throws(JinjaError) {
        self.source = source
        var lexer = Lexer(source: source)
        normalizedSource = lexer.source
        do {
            let tokens = try lexer.tokenize()
            var parser = Parser(tokens: tokens, source: lexer.source)
            body = try parser.parseTemplate()
            let root = parser.rootLayout
            rootSlotCount = root.slotCount
            layoutCount = parser.layoutCount
            var names: [String: Int] = [:]
            for name in root.slotNames { names[name] = root.existingSlot(for: name) }
            slotsByName = names
        } catch {
            throw error.resolvingLocation(in: lexer.source)
        }
        let names = slotsByName
        globalSlots = Globals.all.compactMap { name, value in names[name].map { ($0, value) } }
    }

    /// The compiled template for `source`, from a process-wide cache.
    public static func compiled(_ source: String) throws(JinjaError) -> Template {
        if let cached = TemplateCache.shared.get(source) { return cached }
        let template = try Template(source)
        TemplateCache.shared.put(source, template)
        return template
    }

    /// The names the template reads that the render context may supply (everything it does not define itself
    /// and that is not a global), in no particular order.
    public var contextNames: Set<String> {
        Set(slotsByName.keys).subtracting(Globals.all.map(\.0))
    }

    /// Renders with `variables` in order (a later name replaces an earlier one, as keyword arguments do).
    public func render(_ variables: [(String, Value)], options: RenderOptions = RenderOptions()) throws(JinjaError)
        -> String
    {
        let frame = Frame(slotCount: rootSlotCount, parent: nil)
        for (slot, value) in globalSlots { frame.slots[slot] = value }
        for (name, value) in variables {
            if let slot = slotsByName[name] { frame.slots[slot] = value }
        }
        let renderer = Renderer(options: options, root: frame, layoutCount: layoutCount)
        do {
            _ = try body.render(renderer)
        } catch {
            throw error.resolvingLocation(in: normalizedSource)
        }
        return renderer.output.string()
    }

    /// Renders with the members of a JSON object as variables (wrapped, not copied).
    public func render(_ variables: JSONObject, options: RenderOptions = RenderOptions()) throws(JinjaError) -> String {
        try render(variables.map { ($0.key, Value(json: $0.value)) }, options: options)
    }
}

/// Compiled templates by source text. Small and bounded: a gateway serves a handful of templates.
final class TemplateCache: @unchecked Sendable {
    static let shared = TemplateCache()
    private var mutex = pthread_mutex_t()
    private var templates: [String: Template] = [:]
    private let capacity = 64

    private init() { pthread_mutex_init(&mutex, nil) }

    func get(_ source: String) -> Template? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return templates[source]
    }

    func put(_ source: String, _ template: Template) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        if templates.count >= capacity, let victim = templates.keys.first { templates[victim] = nil }
        templates[source] = template
    }
}
