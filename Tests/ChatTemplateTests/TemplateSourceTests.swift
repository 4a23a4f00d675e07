import ChatTemplate
import Foundation
import JSON
import Testing

@Suite("Template sources")
struct TemplateSourceTests {
    static let toolUse = "TOOLS{{ tools | length }}"
    static let plain = "PLAIN"

    @Test("reads a single chat_template and object-form special tokens")
    func singleTemplate() throws {
        let set = try TemplateSource.tokenizerConfig([
            "chat_template": .string(Self.plain),
            "bos_token": ["content": "<|begin_of_text|>", "lstrip": false],
            "eos_token": "<|eot_id|>",
        ])
        #expect(set.specialTokens.map(\.value) == ["<|begin_of_text|>", "<|eot_id|>"])
        #expect(try set.select(hasTools: true).source == Self.plain)
    }

    @Test("picks tool_use when tools are given and default otherwise, as transformers does")
    func namedTemplates() throws {
        let set = try TemplateSource.tokenizerConfig([
            "chat_template": [["name": "default", "template": .string(Self.plain)],
                              ["name": "tool_use", "template": .string(Self.toolUse)]],
        ])
        #expect(try set.select(hasTools: true).source == Self.toolUse)
        #expect(try set.select(hasTools: false).source == Self.plain)
        #expect(try set.select(name: "tool_use", hasTools: false).source == Self.toolUse)
        #expect(throws: ChatTemplateError.self) { try set.select(name: "rag", hasTools: false) }
    }

    @Test("reads llama.cpp's /props")
    func llamaCppProps() throws {
        let set = try TemplateSource.llamaCppProps([
            "chat_template": .string(Self.plain), "chat_template_tool_use": .string(Self.toolUse),
            "bos_token": "<s>", "eos_token": "</s>",
        ])
        #expect(try set.select(hasTools: true).source == Self.toolUse)
        #expect(set.specialTokens.count == 2)
    }

    @Test("reports a config without a template")
    func missingTemplate() {
        #expect(throws: ChatTemplateError.self) { try TemplateSource.tokenizerConfig(["bos_token": "<s>"]) }
    }

    @Test("a template file that is missing or not UTF-8 is an error naming the file")
    func unreadableFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("toolgate-latin1-\(UUID()).jinja").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data([0x7B, 0x7B, 0x20, 0xE9, 0x20, 0x7D, 0x7D])))
        defer { try? FileManager.default.removeItem(atPath: path) }
        for file in [path, path + ".missing"] {
            do {
                _ = try TemplateSource.load(path: file)
                Issue.record("\(file) loaded")
            } catch {
                #expect(error.description.contains(file), "\(error)")
            }
        }
    }
}
