import Foundation
import JSON
@testable import Jinja

/// Paths of the fixtures and of the shared reference tools, relative to this file.
enum Paths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let fixtures = repository.appendingPathComponent("Tests/Fixtures")
    static let referenceRenderer = repository.deletingLastPathComponent()
        .appendingPathComponent("shared/tools/render_reference.py")
}

/// Renders `source` with variables given as a JSON object literal.
func render(_ source: String, _ variables: JSONValue = [:], now: LocalDateTime? = nil,
            limits: RenderLimits = RenderLimits()) throws -> String
{
    let template = try Template(source)
    return try template.render(variables.objectValue ?? JSONObject(), options: RenderOptions(now: now, limits: limits))
}

/// The error rendering `source` raises, or nil when it renders.
func renderError(_ source: String, _ variables: JSONValue = [:], limits: RenderLimits = RenderLimits()) -> JinjaError? {
    do {
        _ = try render(source, variables, limits: limits)
        return nil
    } catch let error as JinjaError {
        return error
    } catch {
        return nil
    }
}
