import ChatTemplate
import Foundation
import Testing

@Suite("Capabilities")
struct CapabilitiesTests {
    static func template(_ name: String) throws -> ChatTemplate {
        let url = FixturePair.directory.appendingPathComponent(name + ".jinja")
        return try ChatTemplate(source: try String(contentsOf: url, encoding: .utf8))
    }

    @Test("finds native tool calling in tool-aware templates", arguments: [
        "NousResearch-Hermes-3-Llama-3.1-8B-tool_use", "Qwen-Qwen3-0.6B", "Mistral-Small-3.2-24B-Instruct-2506",
        "vllm-tool_chat_template_qwen3coder",
    ])
    func nativeToolCalling(name: String) throws {
        let capabilities = try Self.template(name).capabilities
        #expect(capabilities.supportsSystemRole)
        #expect(capabilities.supportsTools)
        #expect(capabilities.supportsToolCalls)
        #expect(capabilities.supportsToolResponses)
        #expect(capabilities.supportsParallelToolCalls)
    }

    @Test("finds single-call templates")
    func singleCall() throws {
        let capabilities = try Self.template("meta-llama-Llama-3.1-8B-Instruct").capabilities
        #expect(capabilities.supportsToolCalls)
        #expect(!capabilities.supportsParallelToolCalls)
    }

    @Test("finds templates without tool calling")
    func noToolCalling() throws {
        let chatml = try Self.template("vllm-template_chatml").capabilities
        #expect(chatml.supportsSystemRole)
        #expect(!chatml.supportsTools)
        #expect(!chatml.supportsToolCalls)
        let phi = try Self.template("microsoft-Phi-3.5-mini-instruct").capabilities
        #expect(!phi.supportsTools)
    }
}
