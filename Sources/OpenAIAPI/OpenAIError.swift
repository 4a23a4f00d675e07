public import JSON

/// An error in OpenAI's envelope, with the HTTP status it travels with:
/// `{"error": {"message": …, "type": …, "param": …, "code": …}}`.
public struct OpenAIError: Error, Sendable, Equatable {
    public var status: Int
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?

    public init(status: Int, message: String, type: String, param: String? = nil, code: String? = nil) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
    }

    public var envelope: JSONValue {
        ["error": ["message": .string(message), "type": .string(type),
                   "param": param.map(JSONValue.string) ?? .null, "code": code.map(JSONValue.string) ?? .null]]
    }

    public var body: [UInt8] {
        var out: [UInt8] = []
        envelope.write(to: &out)
        return out
    }

    // MARK: - The errors the gateway sends

    public static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(status: 400, message: message, type: "invalid_request_error", param: param, code: code)
    }

    public static func invalidType(param: String, expected: String, got: JSONValue) -> OpenAIError {
        invalidRequest("Invalid type for '\(param)': expected \(expected), but got \(got.typeName) instead.",
                       param: param, code: "invalid_type")
    }

    public static func missing(param: String) -> OpenAIError {
        invalidRequest("Missing required parameter: '\(param)'.", param: param, code: "missing_required_parameter")
    }

    public static func invalidValue(param: String, _ message: String) -> OpenAIError {
        invalidRequest("Invalid value for '\(param)': \(message)", param: param, code: "invalid_value")
    }

    public static let invalidAPIKey = OpenAIError(
        status: 401, message: "Incorrect API key provided. Pass it as 'Authorization: Bearer <key>'.",
        type: "invalid_request_error", code: "invalid_api_key")

    public static func modelNotFound(_ model: String) -> OpenAIError {
        OpenAIError(status: 404, message: "The model '\(model)' does not exist or you do not have access to it.",
                    type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    public static func notFound(path: String) -> OpenAIError {
        OpenAIError(status: 404, message: "Unknown request URL: \(path).", type: "invalid_request_error",
                    code: "unknown_url")
    }

    public static func methodNotAllowed(_ method: String, path: String) -> OpenAIError {
        OpenAIError(status: 405, message: "Method \(method) is not allowed for \(path).", type: "invalid_request_error",
                    code: "method_not_allowed")
    }

    public static func bodyTooLarge(limit: Int) -> OpenAIError {
        OpenAIError(status: 413, message: "Request body is larger than the limit of \(limit) bytes.",
                    type: "invalid_request_error", code: "request_too_large")
    }

    public static func badGateway(_ message: String, code: String = "backend_error") -> OpenAIError {
        OpenAIError(status: 502, message: message, type: "server_error", code: code)
    }

    public static func gatewayTimeout(_ message: String) -> OpenAIError {
        OpenAIError(status: 504, message: message, type: "server_error", code: "backend_timeout")
    }

    public static func internalError(_ message: String) -> OpenAIError {
        OpenAIError(status: 500, message: message, type: "server_error", code: "internal_error")
    }
}
