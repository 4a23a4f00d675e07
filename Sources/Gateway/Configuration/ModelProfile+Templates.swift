public import Backends
public import ChatTemplate
import JSON
public import Logging

extension ModelProfile {
    /// The chat templates of a file, a tokenizer_config.json or inline text; nil when the backend serves them
    /// (only a running backend can say).
    public func localTemplates() throws(ChatTemplateError) -> ChatTemplateSet? {
        switch template {
        case .file(let path), .tokenizerConfig(let path): return try templateFile(path)
        case .inline(let text): return ChatTemplateSet(templates: [("default", try ChatTemplate(source: text))])
        case .backend: return nil
        }
    }

    /// The chat templates wherever the profile keeps them: its file or inline text, else the running backend's
    /// description of its model (llama.cpp `GET /props`), asked once now (`toolgate render --model`).
    public func templates(transport: CurlTransport, logger: Logger) async throws(ConfigurationError)
        -> ChatTemplateSet
    {
        let context = "model '\(name)'"
        do {
            if let local = try localTemplates() { return local }
        } catch {
            throw ConfigurationError("\(context): \(error)")
        }
        let backend: Backend
        do {
            backend = try Backend(dialect: dialect, url: backendURL, apiKey: backendAPIKey, transport: transport,
                                  logger: logger)
        } catch {
            throw ConfigurationError("\(context): backend \(backendURL): \(error)")
        }
        return try await templates(from: backend, context: context)
    }

    /// The chat templates of the file or inline text, else those `backend` serves.
    func templates(from backend: Backend, context: String) async throws(ConfigurationError) -> ChatTemplateSet {
        do {
            if let local = try localTemplates() { return local }
            let props: JSONValue?
            do { props = try await backend.props() } catch {
                throw ConfigurationError("\(context): could not read the chat template from the backend "
                                         + "(\(error)); give one with --template FILE")
            }
            guard let props else {
                throw ConfigurationError("\(context): the \(dialect) backend does not serve its chat "
                                         + "template; give one with --template FILE")
            }
            return try servedTemplates(props)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw ConfigurationError("\(context): \(error) (--template takes a .jinja file, a tokenizer_config.json "
                                     + "or 'backend')")
        }
    }

    /// The template source's special tokens with the profile's own in place of any of the same name.
    public func specialTokens(over sourceTokens: [(name: String, value: String)]) -> [(name: String, value: String)] {
        sourceTokens.filter { token in !specialTokens.contains { $0.name == token.name } } + specialTokens
    }
}

/// Outside the extension, where `TemplateSource` names ChatTemplate's loader, not the profile's enum.
private func templateFile(_ path: String) throws(ChatTemplateError) -> ChatTemplateSet {
    try TemplateSource.load(path: path)
}

/// The templates of llama.cpp's `/props` (outside the extension for the same reason).
private func servedTemplates(_ props: JSONValue) throws -> ChatTemplateSet {
    try TemplateSource.llamaCppProps(props)
}
