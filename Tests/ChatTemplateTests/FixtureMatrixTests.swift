import ChatTemplate
import Foundation
import JSON
import Jinja
import Testing

/// One template × case pair of `Tests/Fixtures/templates` with its expected bytes or error line.
struct FixturePair: CustomTestStringConvertible, Sendable {
    let template: String
    let caseName: String

    var testDescription: String { "\(template) × \(caseName)" }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/templates")

    static let all: [FixturePair] = {
        let manager = FileManager.default
        guard let templates = try? manager.contentsOfDirectory(atPath: directory.path),
              let cases = try? manager.contentsOfDirectory(atPath: directory.appendingPathComponent("cases").path)
        else { return [] }
        var pairs: [FixturePair] = []
        for template in templates.sorted() where template.hasSuffix(".jinja") {
            for caseFile in cases.sorted() where caseFile.hasSuffix(".json") {
                pairs.append(FixturePair(template: String(template.dropLast(6)), caseName: String(caseFile.dropLast(5))))
            }
        }
        return pairs
    }()

    var expectedStem: URL {
        FixturePair.directory.appendingPathComponent("expected/\(template)__\(caseName)")
    }
}

@Suite("Fixture matrix: real templates × cases, byte for byte")
struct FixtureMatrixTests {
    @Test("has all 27 templates × 13 cases")
    func complete() {
        #expect(FixturePair.all.count == 351)
    }

    @Test("renders exactly what transformers renders, or raises the same error", arguments: FixturePair.all)
    func pair(_ pair: FixturePair) throws {
        let source = try String(contentsOf: FixturePair.directory.appendingPathComponent(pair.template + ".jinja"),
                                encoding: .utf8)
        let caseURL = FixturePair.directory.appendingPathComponent("cases/\(pair.caseName).json")
        let input = try ChatRenderInput(case: try JSONValue.parse(try String(contentsOf: caseURL, encoding: .utf8)))
        let template = try ChatTemplate(source: source)
        let expectedText = try? Data(contentsOf: pair.expectedStem.appendingPathExtension("txt"))
        let expectedError = try? String(contentsOf: pair.expectedStem.appendingPathExtension("error"), encoding: .utf8)
        do {
            let output = try template.render(input)
            let expected = try #require(expectedText, "rendered, but the reference raised \(expectedError ?? "?")")
            #expect(Data(output.utf8) == expected)
        } catch ChatTemplateError.template(let error) {
            let expected = try #require(expectedError, "raised \(error), but the reference rendered")
            #expect(error.description == expected)
        }
    }
}
