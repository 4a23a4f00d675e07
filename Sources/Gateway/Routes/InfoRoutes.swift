import Backends
import Foundation
import HTTPServer
import JSON
import OpenAIAPI
import Synchronization

extension Gateway {
    /// `GET /v1/models`
    func models() -> HTTPResponse {
        let data = modelNames.map(modelObject)
        return .json(200, Array(JSONValue.object(["object": "list", "data": .array(data)]).serialized().utf8))
    }

    /// `GET /v1/models/{id}`
    func model(_ name: String) -> HTTPResponse {
        guard runtimes[name] != nil else { return OpenAIError.modelNotFound(name).response }
        return .json(200, Array(modelObject(name).serialized().utf8))
    }

    private func modelObject(_ name: String) -> JSONValue {
        ["id": .string(name), "object": "model", "created": .number(JSONNumber(startedAt)), "owned_by": "toolgate"]
    }

    /// `GET /health`: 200 when every model's backend answers, 503 (with which failed) otherwise.
    func healthResponse() async -> HTTPResponse {
        let results = await health.check()
        var models = JSONObject()
        var ok = true
        for (name, error) in results {
            if let error {
                ok = false
                models[name] = ["status": "unavailable", "error": .string(error.description)]
            } else {
                models[name] = ["status": "ok"]
            }
        }
        let body: JSONValue = ["status": .string(ok ? "ok" : "unavailable"), "models": .object(models)]
        return .json(ok ? 200 : 503, Array(body.serialized().utf8))
    }
}

/// Checks backends for `/health`, remembering the answer briefly so probes cannot flood a backend.
final class HealthProbe: Sendable {
    private let backends: [(name: String, backend: Backend)]
    private let cached = Mutex<(at: ContinuousClock.Instant, results: [(String, BackendError?)])?>(nil)
    private let maxAge: Duration

    init(backends: [(String, Backend)], maxAge: Duration = .seconds(2)) {
        self.backends = backends.map { (name: $0.0, backend: $0.1) }
        self.maxAge = maxAge
    }

    func check() async -> [(String, BackendError?)] {
        if let cached = cached.withLock({ $0 }), ContinuousClock.now - cached.at < maxAge {
            return cached.results
        }
        var results: [(String, BackendError?)] = []
        await withTaskGroup(of: (Int, BackendError?).self) { group in
            for (i, entry) in backends.enumerated() {
                group.addTask { (i, await entry.backend.health()) }
            }
            var byIndex: [Int: BackendError?] = [:]
            for await (i, error) in group { byIndex[i] = error }
            results = backends.indices.map { (backends[$0].name, byIndex[$0] ?? nil) }
        }
        let now = ContinuousClock.now
        cached.withLock { $0 = (now, results) }
        return results
    }
}
