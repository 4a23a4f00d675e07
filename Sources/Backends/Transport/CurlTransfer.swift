import CCurl
import Foundation

/// Receives one transfer's body on the transport thread.
protocol TransferSink: AnyObject {
    /// The next bytes of a 2xx response body. Throwing aborts the transfer with that error.
    func received(_ bytes: UnsafeRawBufferPointer) throws(BackendError)
    /// The transfer is over: `failure` is nil when a whole 2xx response arrived. Called once.
    func completed(failure: BackendError?)
}

/// One HTTP exchange in flight: what curl needs kept alive (the body, the header list, the error
/// buffer) and the clocks the deadlines are measured from. Owned by the transport thread.
final class CurlTransfer {
    let id: Int
    let url: String
    let request: BackendHTTPRequest
    let extraHeaders: [String]
    let timeouts: BackendTimeouts
    /// First-byte and stall deadlines apply to streamed responses only: a whole response's first byte is
    /// its whole output.
    let streaming: Bool
    let sink: any TransferSink

    var easy: UnsafeMutableRawPointer?
    private(set) var body: UnsafeMutableBufferPointer<UInt8>?
    private(set) var headerList: UnsafeMutablePointer<curl_slist>?
    let errorBuffer: UnsafeMutablePointer<CChar>

    var started = ContinuousClock.now
    var lastByte = ContinuousClock.now
    var received = 0
    /// The response status, read at the first body byte (0 until then).
    var status = 0
    /// The start of a non-2xx response body, for the error message.
    var errorBody: [UInt8] = []
    /// Set when the transfer is aborted from our side (decoder error, deadline, cancel).
    var failure: BackendError?

    init(
        id: Int, url: String, request: BackendHTTPRequest, extraHeaders: [String], timeouts: BackendTimeouts,
        streaming: Bool, sink: any TransferSink
    ) {
        self.id = id
        self.url = url
        self.request = request
        self.extraHeaders = extraHeaders
        self.timeouts = timeouts
        self.streaming = streaming
        self.sink = sink
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
    }

    deinit {
        body?.deallocate()
        if let headerList { curl_slist_free_all(headerList) }
        errorBuffer.deallocate()
    }

    /// Sets every option on a fresh (or reset) easy handle. Strings are copied by curl; the body and
    /// the header list are not, so this transfer keeps them until it is freed.
    func configure(_ easy: UnsafeMutableRawPointer) -> CURLcode {
        self.easy = easy
        var result = CURLE_OK
        func set(_ code: CURLcode) { if result == CURLE_OK { result = code } }
        set(ccurl_setopt_str(easy, CURLOPT_URL, url))
        set(ccurl_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
        set(ccurl_setopt_long(easy, CURLOPT_TCP_NODELAY, 1))
        set(ccurl_setopt_ptr(easy, CURLOPT_ERRORBUFFER, errorBuffer))
        if let connect = timeouts.connect {
            set(ccurl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(connect.milliseconds))))
        }
        var headers = request.headers + extraHeaders
        switch request.method {
        case .get:
            set(ccurl_setopt_long(easy, CURLOPT_HTTPGET, 1))
        case .post:
            let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(1, request.body.count))
            _ = copy.initialize(from: request.body)
            body = copy
            set(ccurl_setopt_ptr(easy, CURLOPT_POSTFIELDS, copy.baseAddress))
            set(ccurl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(request.body.count)))
            // curl 7.88 sends `Expect: 100-continue` above 1 KB and waits for the server; an empty
            // header turns that off.
            headers.append("Expect:")
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for header in headers { list = curl_slist_append(list, header) }
        headerList = list
        set(ccurl_setopt_slist(easy, CURLOPT_HTTPHEADER, list))
        set(ccurl_setopt_write(easy, CURLOPT_WRITEFUNCTION, curlWriteCallback))
        set(ccurl_setopt_ptr(easy, CURLOPT_WRITEDATA, Unmanaged.passUnretained(self).toOpaque()))
        started = .now
        lastByte = started
        return result
    }

    /// Body bytes from curl. Non-2xx bodies are kept (the start of them) for the error message.
    func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if status == 0, let easy {
            var code = 0
            _ = ccurl_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
            status = code
        }
        received += bytes.count
        lastByte = .now
        guard (200..<300).contains(status) else {
            if errorBody.count < 2048 { errorBody.append(contentsOf: bytes.prefix(2048 - errorBody.count)) }
            return true
        }
        do {
            try sink.received(bytes)
            return true
        } catch {
            failure = error
            return false
        }
    }

    /// The deadline that has passed at `now`, if any.
    func expiredDeadline(at now: ContinuousClock.Instant) -> BackendError? {
        if let total = timeouts.total, now - started >= total { return .timedOut(phase: .total, after: total) }
        guard streaming else { return nil }
        if received == 0 {
            if let firstByte = timeouts.firstByte, now - started >= firstByte {
                return .timedOut(phase: .firstByte, after: firstByte)
            }
        } else if let stall = timeouts.stall, now - lastByte >= stall {
            return .timedOut(phase: .stall, after: stall)
        }
        return nil
    }

    /// The next instant a deadline could pass, for the poll timeout.
    func nextDeadline() -> ContinuousClock.Instant? {
        var next = timeouts.total.map { started + $0 }
        if streaming {
            let phase = received == 0 ? timeouts.firstByte.map { started + $0 } : timeouts.stall.map { lastByte + $0 }
            if let phase { next = min(next ?? phase, phase) }
        }
        return next
    }

    var curlErrorMessage: String { String(cString: errorBuffer) }
}

/// curl's write callback: hands the bytes to the transfer named by the context pointer. Returning a
/// count other than `size * nmemb` aborts the transfer (CURLE_WRITE_ERROR).
private let curlWriteCallback: curl_write_callback = { data, size, count, context in
    let length = size * count
    guard let context else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
    guard length > 0, let data else { return length }
    return transfer.write(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
}
