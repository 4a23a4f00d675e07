import Foundation
public import JSON
import Jinja

/// The chat templates a model ships with, by name, and the special tokens its tokenizer defines.
///
/// A `tokenizer_config.json` may hold one template or a list of named ones; as in transformers, the
/// `tool_use` template is chosen when a request has tools and `default` otherwise.
public struct ChatTemplateSet: Sendable {
    public var templates: [(name: String, template: ChatTemplate)]
    /// `bos_token`, `eos_token`, … as strings, in the tokenizer's order.
    public var specialTokens: [(name: String, value: String)]

    public init(templates: [(name: String, template: ChatTemplate)], specialTokens: [(name: String, value: String)] = []) {
        self.templates = templates
        self.specialTokens = specialTokens
    }

    /// transformers' choice: an explicit name, else `tool_use` when tools are given, else `default`
    /// (a single unnamed template is `default`).
    public func select(name: String? = nil, hasTools: Bool) throws(ChatTemplateError) -> ChatTemplate {
        if let name {
            guard let match = templates.first(where: { $0.name == name }) else {
                throw .source("no chat template named '\(name)' (have: \(templates.map(\.name).joined(separator: ", ")))")
            }
            return match.template
        }
        if hasTools, let toolUse = templates.first(where: { $0.name == "tool_use" }) { return toolUse.template }
        if let fallback = templates.first(where: { $0.name == "default" }) { return fallback.template }
        if templates.count == 1, let only = templates.first { return only.template }
        throw .source("this model has multiple chat templates with no default specified")
    }
}

/// Where chat templates come from: a `.jinja` file, a `tokenizer_config.json`, or llama.cpp's `/props`.
public enum TemplateSource {
    /// Loads a `.jinja` file (one template, `default`) or a `tokenizer_config.json` (by extension `.json`).
    public static func load(path: String) throws(ChatTemplateError) -> ChatTemplateSet {
        let text: String
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw .source("cannot read \(path) (\(exists ? "not readable" : "no such file"))")
        }
        guard let decoded = String(validating: data, as: UTF8.self) else {
            throw .source("\(path) is not UTF-8 text")
        }
        text = decoded
        if path.hasSuffix(".json") {
            let json: JSONValue
            do {
                json = try JSONParser().parse(text)
            } catch {
                throw .source("\(path) is not valid JSON: \(error)")
            }
            return try tokenizerConfig(json)
        }
        return ChatTemplateSet(templates: [("default", try ChatTemplate(source: text))])
    }

    /// A Hugging Face `tokenizer_config.json`: `chat_template` as a string or a list of `{name, template}`;
    /// special tokens as strings or `{"content": …}` objects.
    public static func tokenizerConfig(_ config: JSONValue) throws(ChatTemplateError) -> ChatTemplateSet {
        guard case .object(let object) = config else { throw .source("tokenizer config must be a JSON object") }
        var templates: [(name: String, template: ChatTemplate)] = []
        switch object["chat_template"] {
        case .string(let source)?:
            templates.append(("default", try ChatTemplate(source: source)))
        case .array(let list)?:
            for item in list {
                guard case .string(let name)? = item["name"], case .string(let source)? = item["template"] else {
                    throw .source("chat_template list entries need 'name' and 'template' strings")
                }
                templates.append((name, try ChatTemplate(source: source)))
            }
        default:
            throw .source("tokenizer config has no chat_template")
        }
        return ChatTemplateSet(templates: templates, specialTokens: specialTokens(in: object))
    }

    /// llama.cpp's `GET /props`: `chat_template` (and `chat_template_tool_use` when the GGUF has one),
    /// `bos_token`, `eos_token`.
    public static func llamaCppProps(_ props: JSONValue) throws(ChatTemplateError) -> ChatTemplateSet {
        guard case .object(let object) = props else { throw .source("/props must be a JSON object") }
        var templates: [(name: String, template: ChatTemplate)] = []
        if case .string(let source)? = object["chat_template"], !source.isEmpty {
            templates.append(("default", try ChatTemplate(source: source)))
        }
        if case .string(let source)? = object["chat_template_tool_use"], !source.isEmpty {
            templates.append(("tool_use", try ChatTemplate(source: source)))
        }
        guard !templates.isEmpty else { throw .source("/props has no chat_template") }
        return ChatTemplateSet(templates: templates, specialTokens: specialTokens(in: object))
    }

    static func specialTokens(in object: JSONObject) -> [(name: String, value: String)] {
        var tokens: [(name: String, value: String)] = []
        for name in ChatRenderInput.specialTokenNames {
            switch object[name] {
            case .string(let token)?: tokens.append((name, token))
            case .object(let added)?:
                if case .string(let token)? = added["content"] { tokens.append((name, token)) }
            default: break
            }
        }
        return tokens
    }
}
