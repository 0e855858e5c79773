"""A real HTTP server on 127.0.0.1 that records the webhook calls it gets
(for the notification tests)."""
from __future__ import annotations

import http.server
import json
import threading
from typing import Any


class WebhookReceiver:
    """Answers every POST with `status` and keeps (path, headers, body)."""

    def __init__(self, status: int = 200) -> None:
        self.calls: list[dict[str, Any]] = []
        self.status = status
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get('Content-Length') or 0)
                raw = self.rfile.read(length)
                with receiver._lock:
                    receiver.calls.append({
                        'path': self.path,
                        'headers': {k.lower(): v
                                    for k, v in self.headers.items()},
                        'body': json.loads(raw)})
                self.send_response(receiver.status)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                       Handler)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)

    @property
    def url(self) -> str:
        return f'http://127.0.0.1:{self._server.server_address[1]}'

    def for_execution(self, root_id: str) -> list[dict[str, Any]]:
        """Calls about one execution tree, in the order they arrived."""
        with self._lock:
            return [c for c in self.calls
                    if root_id in (c['body'].get('id'),
                                   c['body'].get('workflow_execution_id'),
                                   c['body'].get('root_execution_id'))]

    def __enter__(self) -> 'WebhookReceiver':
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._server.shutdown()
        self._server.server_close()
