"""An HTTP server that answers every completion with a recorded engine response, byte for byte, in chosen
pieces: what toolgate's `llamacpp` dialect decoder gets from llama.cpp's own server, without that server.
"""

import http.server
import json
import threading
import time


class RecordedEngine:
    """Serves `body` (set per test) to every POST, split into `pieces` byte counts (the rest in one piece),
    as HTTP chunks written one at a time; GET /health answers ok."""

    def __init__(self):
        self.body = b""
        self.pieces = None
        self.requests = []
        engine = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                payload = b'{"status":"ok"}'
                self.send_response(200 if self.path == "/health" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                engine.requests.append((self.path, json.loads(self.rfile.read(length) or b"null")))
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                pieces = engine.split()
                for piece in pieces:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
                    if len(pieces) < 400:
                        # Let each piece arrive on its own (the decoder must not rely on whole events per read).
                        time.sleep(0.001)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def split(self):
        body, pieces = self.body, []
        for size in self.pieces or []:
            if not body:
                break
            pieces.append(body[:size])
            body = body[size:]
        if body:
            pieces.append(body)
        return pieces

    def close(self):
        self.server.shutdown()
        self.server.server_close()
