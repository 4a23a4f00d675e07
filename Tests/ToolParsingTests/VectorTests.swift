import JSON
import Testing
@testable import ToolParsing

/// Every vector of every family, whole and streamed: the whole-text message matches the vector's
/// expectation, and the message assembled from deltas equals the whole-text one for every chunking.
@Suite("Vectors")
struct VectorTests {
    @Test("whole-text parsing gives the expected message", arguments: Vector.all)
    func wholeText(vector: Vector) {
        let family = Repository.family(vector.family)
        let message = family.parse(vector.text, options: Drive.options(tools: vector.tools))
        #expect(Expectation.differences(message, vector) == [], "\(vector.text.debugDescription)")
    }

    @Test("validated streaming equals whole-text parsing for every chunking", arguments: Vector.all)
    func validatedStreaming(vector: Vector) {
        let family = Repository.family(vector.family)
        let options = Drive.options(tools: vector.tools)
        let whole = Drive.signature(family.parse(vector.text, options: options))
        for chunking in Drive.standard {
            let streamed = Drive.signature(Drive.message(family, vector.text, chunking, options: options))
            #expect(streamed == whole, "\(chunking)")
        }
    }

    @Test("eager streaming equals whole-text parsing on well-formed output", arguments: Vector.all)
    func eagerStreaming(vector: Vector) {
        let family = Repository.family(vector.family)
        let validated = family.parse(vector.text, options: Drive.options(tools: vector.tools))
        let broken: Set<ParseDiagnostic.Kind> = [.malformedCall, .truncatedCall, .rejectedPart]
        guard !validated.diagnostics.contains(where: { broken.contains($0.kind) }) else { return }
        let eager = Drive.options(tools: vector.tools, commit: .eager)
        for chunking in Drive.standard {
            let streamed = Drive.signature(Drive.message(family, vector.text, chunking, options: eager))
            #expect(streamed == Drive.signature(validated), "\(chunking)")
        }
    }

    @Test("the vectors copied into Tests/Fixtures still match the shared ones they came from")
    func copiesMatchTheirOrigin() throws {
        for family in Repository.familyNames {
            let shared = Vector.load(family: family, directory: Repository.sharedVectors)
            guard !shared.isEmpty else { continue }  // the shared fixtures are not in every checkout
            let ours = Vector.load(family: family)
            for vector in shared {
                #expect(ours.contains { $0.id == vector.id && $0.text == vector.text }, "\(family)/\(vector.id)")
            }
        }
    }
}

/// A family in parsers/ without vectors is untested: adding a family means adding its vectors.
@Suite("Coverage")
struct CoverageTests {
    @Test("every family in parsers/ has a vectors file with cases", arguments: Repository.familyNames)
    func familyHasVectors(name: String) {
        #expect(Vector.load(family: name).count >= 3, "Tests/Fixtures/vectors/\(name).jsonl is missing or nearly empty")
    }

    @Test("every definition in parsers/ loads")
    func definitionsLoad() {
        #expect(Repository.registry.problems.map(\.description) == [])
        #expect(Set(Repository.familyNames).isSuperset(of: ["hermes", "llama3_json", "mistral", "qwen3_coder", "pythonic"]))
    }
}
