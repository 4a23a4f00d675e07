/// The routes of the HTTP surface.
enum Route {
    case chatCompletions
    case completions
    case models
    case model(Substring)
    case health
    case metrics
    case methodNotAllowed(Substring)
    case notFound(Substring)

    init(method: String, path: Substring) {
        let path = path.count > 1 && path.hasSuffix("/") ? path.dropLast() : path
        func allow(_ expected: String, _ route: Route) -> Route {
            method == expected || (expected == "GET" && method == "HEAD") ? route : .methodNotAllowed(path)
        }
        switch path {
        case "/v1/chat/completions", "/chat/completions": self = allow("POST", .chatCompletions)
        case "/v1/completions", "/completions": self = allow("POST", .completions)
        case "/v1/models", "/models": self = allow("GET", .models)
        case "/health", "/v1/health": self = allow("GET", .health)
        case "/metrics": self = allow("GET", .metrics)
        default:
            if path.hasPrefix("/v1/models/") {
                self = allow("GET", .model(path.dropFirst("/v1/models/".count)))
            } else {
                self = .notFound(path)
            }
        }
    }

    /// API routes need a key when keys are configured; probes (`/health`, `/metrics`) do not.
    var needsKey: Bool {
        switch self {
        case .health, .metrics: return false
        default: return true
        }
    }

    /// The `route` label in metrics (bounded: unknown paths share one label).
    var label: String {
        switch self {
        case .chatCompletions: return "/v1/chat/completions"
        case .completions: return "/v1/completions"
        case .models, .model: return "/v1/models"
        case .health: return "/health"
        case .metrics: return "/metrics"
        case .methodNotAllowed, .notFound: return "other"
        }
    }
}
