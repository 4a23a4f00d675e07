import Backends
import ChatTemplate
import JSON
import Logging
import ToolParsing

/// A model profile made ready to serve: its backend, compiled chat template and parser family.
struct ModelRuntime: Sendable {
    let profile: ModelProfile
    let backend: Backend
    let templates: ChatTemplateSet
    let family: Family
    /// Tool calling in the family's format for a template that cannot render tools, calls or results itself.
    let polyfill: ToolCallingPolyfill
    /// Special tokens for the template: the template source's own (tokenizer_config, /props), then the profile's.
    let specialTokens: [(name: String, value: String)]
    let reasoning: ReasoningSetting
    let idStyle: ToolCallIDStyle
    let commit: CommitMode
    /// What a forced tool call's constraint is sent as, or nil when none is sent (`constrain: false`, a field
    /// of `none`, a backend without one).
    let constraint: ConstraintField.Content?

    static func make(_ profile: ModelProfile, registry: FamilyRegistry, transport: CurlTransport,
                     logger: Logger) async throws(ConfigurationError) -> ModelRuntime
    {
        let where_ = "model '\(profile.name)'"
        let family: Family
        do { family = try registry.family(named: profile.parser) } catch {
            let known = registry.families.map(\.name).sorted().joined(separator: ", ")
            throw ConfigurationError("\(where_): unknown parser '\(profile.parser)' (known: \(known); add a family "
                                     + "file to a --parsers-dir to define a new one)")
        }
        let timeouts = BackendTimeouts(connect: profile.timeouts.connect, firstByte: profile.timeouts.firstByte,
                                       stall: profile.timeouts.stall, total: profile.timeouts.total)
        let field: ConstraintField
        switch ConstraintField.resolve(profile.constraintField, dialect: profile.dialect) {
        case .success(let resolved): field = resolved
        case .failure(let error): throw ConfigurationError("\(where_): \(error.message)")
        }
        let backend: Backend
        do {
            if profile.dialect == "openai" {
                backend = try Backend(dialect: OpenAICompletionsDialect(constraintFields: field.openAIFields),
                                      url: profile.backendURL, apiKey: profile.backendAPIKey, timeouts: timeouts,
                                      transport: transport)
            } else if profile.dialect == "replay" {
                let options = ReplayBackend.Options(matchLastUserMessage: profile.replayMatchLastUserMessage)
                backend = Backend(replay: try ReplayBackend(path: profile.backendURL, options: options, logger: logger),
                                  timeouts: timeouts)
            } else {
                backend = try Backend(dialect: profile.dialect, url: profile.backendURL, apiKey: profile.backendAPIKey,
                                      timeouts: timeouts, transport: transport, logger: logger)
            }
        } catch {
            throw ConfigurationError("\(where_): backend \(profile.backendURL): \(error)")
        }
        let templates = try await profile.templates(from: backend, context: where_)
        let tokens = profile.specialTokens(over: templates.specialTokens)
        let reasoning: ReasoningSetting
        switch profile.reasoning {
        case nil: reasoning = .family
        case "none"?: reasoning = .none
        case "think"?: reasoning = .markers(.think)
        case let other?:
            throw ConfigurationError("\(where_): reasoning '\(other)' is not one of none, think (or leave it out to "
                                     + "use the family's markers)")
        }
        let idStyle = profile.idStyle.flatMap(ToolCallIDStyle.init(rawValue:)) ?? family.idStyle
        return ModelRuntime(profile: profile, backend: backend, templates: templates, family: family,
                            polyfill: ToolCallingPolyfill(family: family), specialTokens: tokens,
                            reasoning: reasoning, idStyle: idStyle,
                            commit: CommitMode(rawValue: profile.streamArguments) ?? .validated,
                            constraint: profile.constrain ? field.content(dialect: profile.dialect) : nil)
    }

    /// The reasoning markers in force (the family's, the profile's, or none).
    var reasoningMarkers: ReasoningMarkers? {
        switch reasoning {
        case .family: return family.reasoning
        case .none: return nil
        case .markers(let markers): return markers
        }
    }

    /// Special tokens the backend must keep in its output so the parser sees them (llama.cpp drops special
    /// tokens unless asked): the family's markers.
    var preservedTokens: [String] { family.markerTokens }
}
