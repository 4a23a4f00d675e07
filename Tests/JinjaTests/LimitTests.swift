import Foundation
import JSON
import Testing
@testable import Jinja

@Suite("Limits and concurrency")
struct LimitTests {
    @Test("stops runaway recursion with RecursionError")
    func recursion() throws {
        let error = try #require(renderError("{% macro r(x) %}{{ r(x) }}{% endmacro %}{{ r(1) }}"))
        #expect(error.description == "RecursionError: maximum recursion depth exceeded")
        #expect(try render("{% macro d(k) %}{% if k %}{{ d(k - 1) }}{% else %}ok{% endif %}{% endmacro %}{{ d(100) }}")
            == "ok")
    }

    @Test("raises RecursionError instead of overflowing a small thread stack")
    func smallStack() throws {
        let template = try Template("{% macro r(n) %}{% if n %}{% for i in [1] %}{{ r(n - 1) | trim }}{% endfor %}{% else %}ok{% endif %}{% endmacro %}{{ r(170) }}")
        final class Outcome: @unchecked Sendable { var text = "" }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            do {
                outcome.text = try template.render([])
            } catch {
                outcome.text = "\(error)"
            }
            done.signal()
        }
        thread.stackSize = 256 * 1024
        thread.start()
        done.wait()
        #expect(outcome.text == "RecursionError: maximum recursion depth exceeded")
    }

    @Test("stops loops past the iteration limit")
    func iterations() throws {
        let limits = RenderLimits(maxLoopIterations: 10_000)
        let error = try #require(renderError("{% for a in range(1000) %}{% for b in range(1000) %}{% endfor %}{% endfor %}",
                                             limits: limits))
        #expect(error.kind == .limit)
    }

    @Test("stops output and values growing past the output limit")
    func outputSize() throws {
        let limits = RenderLimits(maxOutputBytes: 1 << 16)
        #expect(renderError("{% for i in range(10000) %}{{ 'xxxxxxxxxx' }}{% endfor %}", limits: limits)?.kind == .limit)
        #expect(renderError("{{ 'x' * 100000000 }}", limits: limits)?.kind == .limit)
        let doubling = "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}"
        #expect(renderError(doubling, limits: limits)?.kind == .limit)
    }

    @Test("renders one compiled template from many threads at once with identical results")
    func concurrentRenders() async throws {
        let source = """
            {% macro item(x) %}<{{ x.name }}:{{ x.v | tojson }}>{% endmacro %}\
            {% set ns = namespace(total=0) %}{% for x in xs %}{{ item(x) }}{% set ns.total = ns.total + x.v %}{% endfor %}\
            ={{ ns.total }}
            """
        let template = try Template.compiled(source)
        var xs: [JSONValue] = []
        for i in 0..<50 { xs.append(["name": .string("n\(i)"), "v": .number(JSONNumber(i))]) }
        let variables: JSONObject = ["xs": .array(xs)]
        let expected = try template.render(variables)
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    var last = ""
                    for _ in 0..<50 { last = try template.render(variables) }
                    return last
                }
            }
            var all: [String] = []
            for try await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 32)
        #expect(results.allSatisfy { $0 == expected })
        #expect(expected.hasSuffix("=1225"))
    }

    @Test("compiles each distinct source once")
    func cache() throws {
        let a = try Template.compiled("{{ cached_template_probe }}")
        let b = try Template.compiled("{{ cached_template_probe }}")
        #expect(a === b)
    }
}
