import CCurl
import Foundation
import Logging

/// One curl multi handle and the thread that drives it. Other threads hand it work through a locked
/// inbox and `curl_multi_wakeup`; everything else (easy handles, transfers, callbacks) lives on the
/// loop's thread only.
final class CurlMultiLoop: @unchecked Sendable {
    private enum Command {
        case start(CurlTransfer)
        case cancel(Int)
    }

    private let multi: UnsafeMutableRawPointer
    private let logger: Logger
    private let inboxLock = NSLock()
    private var inbox: [Command] = []
    private var stopping = false
    private var nextID = 0

    // Loop-thread state.
    private var active: [Int: CurlTransfer] = [:]
    private var byHandle: [UnsafeMutableRawPointer: CurlTransfer] = [:]
    private var idleHandles: [UnsafeMutableRawPointer] = []

    init?(logger: Logger) {
        _ = CurlMultiLoop.globalInit
        guard let multi = curl_multi_init() else { return nil }
        self.multi = multi
        self.logger = logger
        let thread = Thread { [self] in run() }
        thread.name = "toolgate-curl"
        thread.start()
    }

    /// `curl_global_init` once per process, before the first handle exists.
    private static let globalInit: Void = { _ = curl_global_init(ccurl_global_all) }()

    func makeID() -> Int {
        inboxLock.withLock {
            nextID += 1
            return nextID
        }
    }

    func start(_ transfer: CurlTransfer) { send(.start(transfer)) }

    func cancel(_ id: Int) { send(.cancel(id)) }

    /// Stops the thread after failing every transfer in flight with `.cancelled`.
    func shutdown() {
        inboxLock.withLock {
            guard !stopping else { return }
            stopping = true
            _ = curl_multi_wakeup(multi)
        }
    }

    /// Queues a command and wakes the loop. The wake-up happens under the lock, so it can never reach a
    /// multi handle the loop has already cleaned up (the loop takes the lock before cleaning up).
    private func send(_ command: Command) {
        let accepted = inboxLock.withLock {
            if stopping { return false }
            inbox.append(command)
            _ = curl_multi_wakeup(multi)
            return true
        }
        if !accepted, case .start(let transfer) = command {
            transfer.sink.completed(failure: .cancelled)
        }
    }

    private func run() {
        var running: Int32 = 0
        while true {
            let (commands, stop) = inboxLock.withLock {
                defer { inbox.removeAll(keepingCapacity: true) }
                return (inbox, stopping)
            }
            for command in commands {
                switch command {
                case .start(let transfer): add(transfer)
                case .cancel(let id): if let transfer = active[id] { abort(transfer, with: .cancelled) }
                }
            }
            if stop {
                for transfer in Array(active.values) { abort(transfer, with: .cancelled) }
                break
            }
            _ = curl_multi_perform(multi, &running)
            collectCompleted()
            let now = ContinuousClock.now
            var next: ContinuousClock.Instant?
            var expired: [(CurlTransfer, BackendError)] = []
            for transfer in active.values {
                if let error = transfer.expiredDeadline(at: now) {
                    expired.append((transfer, error))
                } else if let deadline = transfer.nextDeadline() {
                    next = min(next ?? deadline, deadline)
                }
            }
            for (transfer, error) in expired { abort(transfer, with: error) }
            var timeout: Int32 = 1000
            if let next {
                let wait = (next - ContinuousClock.now).milliseconds + 1
                timeout = Int32(clamping: max(0, min(wait, 1000)))
            }
            _ = curl_multi_poll(multi, nil, 0, timeout, nil)
        }
        for handle in idleHandles { curl_easy_cleanup(handle) }
        idleHandles.removeAll()
        _ = inboxLock.withLock { curl_multi_cleanup(multi) }
    }

    private func add(_ transfer: CurlTransfer) {
        let easy: UnsafeMutableRawPointer
        if let reused = idleHandles.popLast() {
            curl_easy_reset(reused)
            easy = reused
        } else if let fresh = curl_easy_init() {
            easy = fresh
        } else {
            transfer.sink.completed(failure: .transport(code: -1, detail: "curl_easy_init failed"))
            return
        }
        let configured = transfer.configure(easy)
        guard configured == CURLE_OK, curl_multi_add_handle(multi, easy) == CURLM_OK else {
            let detail = String(cString: curl_easy_strerror(configured))
            transfer.easy = nil
            idleHandles.append(easy)
            transfer.sink.completed(failure: .transport(code: Int(configured.rawValue), detail: detail))
            return
        }
        active[transfer.id] = transfer
        byHandle[easy] = transfer
    }

    private func collectCompleted() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let transfer = byHandle[easy]
            else { continue }
            let code = message.pointee.data.result
            var status = 0
            _ = ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            release(transfer)
            var failure = transfer.error(for: code)
            if failure == nil, !(200..<300).contains(status) {
                failure = .httpStatus(code: status, body: excerpt(transfer.errorBody, limit: 1024))
            }
            if let failure {
                logger.debug("backend transfer failed", metadata: ["url": "\(transfer.url)", "error": "\(failure)"])
            }
            transfer.sink.completed(failure: failure)
        }
    }

    /// Removes a transfer from the multi handle (closing its connection if the response was not over)
    /// and fails it.
    private func abort(_ transfer: CurlTransfer, with error: BackendError) {
        release(transfer)
        transfer.sink.completed(failure: error)
    }

    private func release(_ transfer: CurlTransfer) {
        active[transfer.id] = nil
        guard let easy = transfer.easy else { return }
        byHandle[easy] = nil
        _ = curl_multi_remove_handle(multi, easy)
        transfer.easy = nil
        idleHandles.append(easy)
    }
}
