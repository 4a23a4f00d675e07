import Synchronization

/// Prometheus metrics kept by the gateway and written in the text exposition format for `GET /metrics`.
///
/// Counters and the latency histogram are updated under one lock per update (cheap next to a request);
/// gauges that other modules own (open streams, call-table size) are read when scraped.
public final class Metrics: Sendable {
    /// Upper bounds (seconds) of the request-latency histogram buckets.
    public static let latencyBuckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                                  1, 2.5, 5, 10, 30, 60, 120]

    private struct State: ~Copyable {
        var requests: [Labels: Int] = [:]
        var backendErrors: [Labels: Int] = [:]
        var toolCalls: [Labels: Int] = [:]
        var malformedCalls: [Labels: Int] = [:]
        var latencyCounts: [String: [Int]] = [:]
        var latencySums: [String: Double] = [:]
    }

    /// Label pairs in a fixed order, so the same series always prints the same way.
    struct Labels: Hashable {
        var pairs: [String]
    }

    private let state = Mutex(State())
    private let gauges: Mutex<[(name: String, help: String, read: @Sendable () -> Double)]> = Mutex([])

    public init() {}

    public func recordRequest(route: String, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[Labels(pairs: [route, String(status)]), default: 0] += 1
            var counts = state.latencyCounts[route] ?? Array(repeating: 0, count: Metrics.latencyBuckets.count + 1)
            let bucket = Metrics.latencyBuckets.firstIndex { seconds <= $0 } ?? Metrics.latencyBuckets.count
            counts[bucket] += 1
            state.latencyCounts[route] = counts
            state.latencySums[route, default: 0] += seconds
        }
    }

    public func recordBackendError(model: String, kind: String) {
        state.withLock { $0.backendErrors[Labels(pairs: [model, kind]), default: 0] += 1 }
    }

    public func recordToolCalls(family: String, count: Int) {
        guard count > 0 else { return }
        state.withLock { $0.toolCalls[Labels(pairs: [family]), default: 0] += count }
    }

    public func recordMalformedCall(family: String) {
        state.withLock { $0.malformedCalls[Labels(pairs: [family]), default: 0] += 1 }
    }

    /// Registers a gauge read at scrape time (for values another component owns).
    public func registerGauge(_ name: String, help: String, read: @escaping @Sendable () -> Double) {
        gauges.withLock { $0.append((name, help, read)) }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> String {
        var out = ""
        state.withLock { state in
            Self.counter(&out, "toolgate_requests_total", "HTTP requests by route and status.",
                         ["route", "status"], state.requests)
            Self.counter(&out, "toolgate_backend_errors_total", "Backend failures by model and kind.",
                         ["model", "kind"], state.backendErrors)
            Self.counter(&out, "toolgate_tool_calls_total", "Tool calls returned, by parser family.",
                         ["family"], state.toolCalls)
            Self.counter(&out, "toolgate_malformed_tool_calls_total",
                         "Tool calls that did not parse and were returned as content, by family.",
                         ["family"], state.malformedCalls)
            out += "# HELP toolgate_request_duration_seconds Time from request to the last response byte.\n"
            out += "# TYPE toolgate_request_duration_seconds histogram\n"
            for route in state.latencyCounts.keys.sorted() {
                guard let counts = state.latencyCounts[route] else { continue }
                var cumulative = 0
                for (i, bound) in Metrics.latencyBuckets.enumerated() {
                    cumulative += counts[i]
                    out += "toolgate_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(bound)\"} \(cumulative)\n"
                }
                cumulative += counts[Metrics.latencyBuckets.count]
                out += "toolgate_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(cumulative)\n"
                out += "toolgate_request_duration_seconds_sum{route=\"\(route)\"} \(state.latencySums[route] ?? 0)\n"
                out += "toolgate_request_duration_seconds_count{route=\"\(route)\"} \(cumulative)\n"
            }
        }
        for gauge in gauges.withLock({ $0 }) {
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n"
            let value = gauge.read()
            out += "\(gauge.name) \(value == value.rounded() ? String(Int(value)) : String(value))\n"
        }
        return out
    }

    private static func counter(_ out: inout String, _ name: String, _ help: String, _ labelNames: [String],
                                _ series: [Labels: Int])
    {
        out += "# HELP \(name) \(help)\n# TYPE \(name) counter\n"
        for (labels, value) in series.sorted(by: { $0.key.pairs.lexicographicallyPrecedes($1.key.pairs) }) {
            let rendered = zip(labelNames, labels.pairs).map { "\($0)=\"\(escape($1))\"" }.joined(separator: ",")
            out += "\(name){\(rendered)} \(value)\n"
        }
    }

    /// Label values escape backslash, quote and newline (the exposition format's rules).
    static func escape(_ value: String) -> String {
        var out = ""
        for c in value {
            switch c {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(c)
            }
        }
        return out
    }
}
