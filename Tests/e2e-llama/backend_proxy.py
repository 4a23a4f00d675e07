"""A recording HTTP proxy between toolgate and the engine, and reference decoders for what it records.

toolgate's own capture file says what toolgate *thought* it sent and got; the proxy keeps the bytes that
really went over the wire, so the tests compare toolgate's answers with the engine's own output decoded
independently (by the small decoders below, one per dialect), and can read the constraint toolgate sent.
"""

import http.client
import http.server
import json
import threading
import urllib.parse


class Exchange:
    """One request toolgate made to the engine and the engine's answer, as bytes."""

    def __init__(self, method, path, request_body):
        self.method = method
        self.path = path
        self.request_body = request_body
        self.status = None
        self.response_body = bytearray()
        self.error = None
        # Why the proxy answered itself instead of forwarding (see RecordingProxy's `check`).
        self.blocked = None
        self.done = threading.Event()

    @property
    def request(self):
        return json.loads(self.request_body) if self.request_body else None


class RecordingProxy:
    """Forwards every request to `upstream` (a base URL) and keeps each exchange, streaming answers through.

    `check(request_body)` may return a reason to refuse a request: the proxy then answers 400 itself, as
    llama.cpp's own server does for an invalid grammar, and marks the exchange `blocked`. The tests use it to
    keep a request that would kill the engine (llama-cpp-python dies on an invalid grammar) from reaching it,
    and fail the test that made toolgate send one.
    """

    def __init__(self, upstream, check=None):
        self.check = check
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.upstream_https = parsed.scheme == "https"
        self.upstream_prefix = parsed.path.rstrip("/")
        self.exchanges = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy.forward(self)

            def do_POST(self):
                proxy.forward(self)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def mark(self):
        """A position in the record: `since(mark)` gives the exchanges that came after it."""
        with self.lock:
            return len(self.exchanges)

    def since(self, mark, method="POST", timeout=10):
        """The completed exchanges (of `method`) recorded after `mark`."""
        with self.lock:
            found = [e for e in self.exchanges[mark:] if e.method == method]
        for exchange in found:
            if not exchange.done.wait(timeout):
                raise AssertionError(f"the engine's answer to {exchange.path} did not end in {timeout} s")
        return found

    def only_since(self, mark):
        """The single completion request after `mark` (a chat request makes exactly one)."""
        found = self.since(mark)
        assert len(found) == 1, f"{len(found)} backend requests, expected 1: {[e.path for e in found]}"
        return found[0]

    def forward(self, handler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        exchange = Exchange(handler.command, handler.path, body)
        with self.lock:
            self.exchanges.append(exchange)
        if self.check is not None and body:
            exchange.blocked = self.check(body)
            if exchange.blocked:
                self.refuse(handler, exchange)
                return
        connection_class = http.client.HTTPSConnection if self.upstream_https else http.client.HTTPConnection
        upstream = connection_class(self.upstream_host, self.upstream_port, timeout=600)
        try:
            headers = {name: value for name, value in handler.headers.items()
                       if name.lower() not in ("host", "content-length", "connection", "expect")}
            upstream.request(handler.command, self.upstream_prefix + handler.path, body=body or None, headers=headers)
            response = upstream.getresponse()
            exchange.status = response.status
            handler.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    handler.send_header(name, value)
            handler.send_header("Transfer-Encoding", "chunked")
            handler.end_headers()
            while True:
                piece = response.read1(65536)
                if not piece:
                    break
                exchange.response_body += piece
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                handler.wfile.flush()
            handler.wfile.write(b"0\r\n\r\n")
            handler.wfile.flush()
        except (OSError, http.client.HTTPException) as error:
            # The engine died or hung up (an invalid grammar kills llama-cpp-python): toolgate sees a cut
            # connection, as it would without the proxy.
            exchange.error = f"{type(error).__name__}: {error}"
            handler.close_connection = True
        finally:
            upstream.close()
            exchange.done.set()


    @staticmethod
    def refuse(handler, exchange):
        body = json.dumps({"error": {"code": 400, "message": exchange.blocked, "type": "invalid_request_error"}})
        exchange.status = 400
        exchange.response_body += body.encode()
        handler.send_response(400)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body.encode())
        exchange.done.set()


class Output:
    """An engine's answer to one completion request: its text and finish reason, decoded per dialect."""

    def __init__(self, text, finish_reason, events=0, empty_events=0):
        self.text = text
        self.finish_reason = finish_reason
        self.events = events
        self.empty_events = empty_events

    def __repr__(self):
        return f"Output({self.text!r}, finish_reason={self.finish_reason!r}, events={self.events})"


def sse_data(body):
    """The `data:` payloads of a server-sent event stream, in order."""
    payloads = []
    for block in bytes(body).replace(b"\r\n", b"\n").split(b"\n\n"):
        lines = [line[5:].lstrip(b" ") for line in block.split(b"\n") if line.startswith(b"data:")]
        if lines:
            payloads.append(b"\n".join(lines))
    return payloads


def decode(dialect, exchange):
    """What the engine generated in `exchange`, streamed (toolgate streams when its client does, or when one
    call is wanted) or whole."""
    if exchange.error:
        raise AssertionError(f"the engine failed: {exchange.error}")
    assert exchange.status == 200, f"engine status {exchange.status}: {bytes(exchange.response_body)[:300]!r}"
    body = bytes(exchange.response_body)
    request = exchange.request or {}
    streamed = exchange.path.endswith("/generate_stream") if dialect == "tgi" else request.get("stream", True)
    if not streamed:
        if dialect == "tgi":
            answer = json.loads(body)
            finish = (answer.get("details") or {}).get("finish_reason")
            return Output(answer.get("generated_text") or "", TGI_REASONS.get(finish, finish), 1)
        if dialect in ("openai", "llamacpp"):
            # A whole answer has the fields of a stream's last event.
            body = b"data: " + body + b"\n\n"
    decoder = {"openai": _openai, "llamacpp": _llamacpp, "tgi": _tgi, "ollama": _ollama}.get(dialect)
    if decoder is None:
        raise NotImplementedError(f"no reference decoder for the {dialect} dialect")
    return decoder(body)


def _openai(body):
    texts, reason, events, empty = [], None, 0, 0
    for payload in sse_data(body):
        if payload.strip() == b"[DONE]":
            break
        event = json.loads(payload)
        for choice in event.get("choices") or []:
            events += 1
            text = choice.get("text") or ""
            empty += text == ""
            texts.append(text)
            reason = choice.get("finish_reason") or reason
    return Output("".join(texts), reason, events, empty)


LLAMACPP_STOP_TYPES = {"eos": "stop", "word": "stop", "limit": "length"}


def _llamacpp(body):
    texts, reason, events, empty = [], None, 0, 0
    for payload in sse_data(body):
        event = json.loads(payload)
        events += 1
        text = event.get("content") or ""
        empty += text == ""
        texts.append(text)
        if event.get("stop"):
            stop_type = event.get("stop_type")
            reason = LLAMACPP_STOP_TYPES.get(stop_type, stop_type) if stop_type and stop_type != "none" else \
                ("length" if event.get("stopped_limit") else "stop")
            break
    return Output("".join(texts), reason, events, empty)


TGI_REASONS = {"eos_token": "stop", "stop_sequence": "stop", "length": "length"}


def _tgi(body):
    texts, reason, events = [], None, 0
    for payload in sse_data(body):
        event = json.loads(payload)
        events += 1
        token = event.get("token") or {}
        details = event.get("details")
        ends_on_eos = details and details.get("finish_reason") == "eos_token" and token.get("special")
        if not ends_on_eos:
            texts.append(token.get("text") or "")
        if details:
            reason = TGI_REASONS.get(details.get("finish_reason"), details.get("finish_reason"))
    return Output("".join(texts), reason, events)


def _ollama(body):
    texts, reason, events = [], None, 0
    for line in body.split(b"\n"):
        if not line.strip():
            continue
        event = json.loads(line)
        events += 1
        texts.append(event.get("response") or "")
        if event.get("done"):
            reason = event.get("done_reason") or "stop"
    return Output("".join(texts), reason, events)


# The request fields each dialect may carry a constraint in.
CONSTRAINT_FIELDS = ("grammar", "guided_grammar", "json_schema", "guided_json", "guided_regex", "response_format",
                     "format", "structured_outputs")


def constraint_of(request):
    """(field, value) of the constraint a backend request carries, or None; TGI nests it in `parameters`."""
    for where in (request, request.get("parameters") or {}):
        for field in CONSTRAINT_FIELDS:
            if where.get(field) is not None:
                return field, where[field]
    return None
