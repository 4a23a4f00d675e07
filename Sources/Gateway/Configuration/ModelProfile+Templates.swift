public import ChatTemplate

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

    /// The template source's special tokens with the profile's own in place of any of the same name.
    public func specialTokens(over sourceTokens: [(name: String, value: String)]) -> [(name: String, value: String)] {
        sourceTokens.filter { token in !specialTokens.contains { $0.name == token.name } } + specialTokens
    }
}

/// Outside the extension, where `TemplateSource` names ChatTemplate's loader, not the profile's enum.
private func templateFile(_ path: String) throws(ChatTemplateError) -> ChatTemplateSet {
    try TemplateSource.load(path: path)
}
