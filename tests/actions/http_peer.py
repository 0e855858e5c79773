"""A real HTTP server on 127.0.0.1 for the std.http tests.

Every request is recorded (method, path, query, headers, body). Routes:
  /json              200, JSON echo of the request
  /text              200, plain text "hello"
  /status/<code>     that status, JSON body {"code": <code>}
  /redirect          302 to /json
  /redirect-to?url=  302 to the given URL
  /big/<n>           n bytes, with Content-Length
  /chunked/<n>       n bytes, chunked (no Content-Length)
  /slow/<seconds>    200 after sleeping
  /cookie            200, sets cookie "session=abc"
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib import parse


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def _record(self) -> dict:
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length).decode() if length else ''
        url = parse.urlsplit(self.path)
        entry = {'method': self.command, 'path': url.path,
                 'query': dict(parse.parse_qsl(url.query)),
                 'headers': dict(self.headers.items()), 'body': body}
        self.server.requests.append(entry)
        return entry

    def _send(self, status: int, body: bytes, content_type: str,
              extra: dict | None = None, chunked: bool = False) -> None:
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        if chunked:
            self.send_header('Transfer-Encoding', 'chunked')
            self.end_headers()
            for start in range(0, len(body), 1000):
                part = body[start:start + 1000]
                self.wfile.write(f'{len(part):x}\r\n'.encode() + part +
                                 b'\r\n')
            self.wfile.write(b'0\r\n\r\n')
            return
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _handle(self) -> None:
        entry = self._record()
        path = entry['path']
        parts = path.strip('/').split('/')
        if path == '/json':
            self._send(200, json.dumps(entry).encode(), 'application/json')
        elif path == '/text':
            self._send(200, b'hello', 'text/plain; charset=utf-8')
        elif parts[0] == 'status':
            code = int(parts[1])
            self._send(code, json.dumps({'code': code}).encode(),
                       'application/json')
        elif path == '/redirect':
            self._send(302, b'', 'text/plain', {'Location': '/json'})
        elif path == '/redirect-to':
            self._send(302, b'', 'text/plain',
                       {'Location': entry['query']['url']})
        elif parts[0] == 'big':
            self._send(200, b'x' * int(parts[1]), 'text/plain')
        elif parts[0] == 'chunked':
            self._send(200, b'y' * int(parts[1]), 'text/plain',
                       chunked=True)
        elif parts[0] == 'slow':
            time.sleep(float(parts[1]))
            self._send(200, b'late', 'text/plain')
        elif path == '/cookie':
            self._send(200, b'{}', 'application/json',
                       {'Set-Cookie': 'session=abc; Path=/'})
        else:
            self._send(404, b'not found', 'text/plain')

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle


class HTTPPeer:
    def __init__(self) -> None:
        self._server = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
        self._server.daemon_threads = True
        self._server.requests = []
        self.port = self._server.server_address[1]
        self.url = f'http://127.0.0.1:{self.port}'

    @property
    def requests(self) -> list[dict]:
        return self._server.requests

    def start(self) -> 'HTTPPeer':
        threading.Thread(target=self._server.serve_forever,
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
