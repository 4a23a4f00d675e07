import Logging

/// A request's logger. Its metadata (`request_id`, `model`, `parser`) is added to each line it writes,
/// not set on the `Logger`, so a request that logs nothing costs nothing (setting logger metadata makes
/// some handlers re-format it every time).
struct RequestLog: Sendable {
    let logger: Logger
    var metadata: Logger.Metadata

    init(_ logger: Logger, requestID: UInt64) {
        self.logger = logger
        metadata = ["request_id": "\(requestID)"]
    }

    func debug(_ message: @autoclosure () -> Logger.Message, _ extra: @autoclosure () -> Logger.Metadata = [:]) {
        logger.debug(message(), metadata: metadata.merging(extra()) { $1 })
    }

    func warning(_ message: @autoclosure () -> Logger.Message, _ extra: @autoclosure () -> Logger.Metadata = [:]) {
        logger.warning(message(), metadata: metadata.merging(extra()) { $1 })
    }

    func error(_ message: @autoclosure () -> Logger.Message, _ extra: @autoclosure () -> Logger.Metadata = [:]) {
        logger.error(message(), metadata: metadata.merging(extra()) { $1 })
    }
}
