"""A tiny HTTP endpoint on 127.0.0.1 in a thread that records what it receives (a partner's system)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Endpoint:
    def __init__(self, fail_first: int = 0, always_fail: bool = False):
        self.requests: list[tuple[bytes, dict[str, str]]] = []
        self.fail_first = fail_first
        self.always_fail = always_fail
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with endpoint._lock:
                    endpoint.requests.append((body, {k.lower(): v for k, v in self.headers.items()}))
                    n = len(endpoint.requests)
                fail = endpoint.always_fail or n <= endpoint.fail_first
                self.send_response(500 if fail else 200)
                self.end_headers()
                self.wfile.write(b"no" if fail else b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Endpoint:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
