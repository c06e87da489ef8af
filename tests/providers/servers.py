"""Tiny loopback HTTP servers that misbehave on purpose, each on its own random port."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Handler = Callable[[BaseHTTPRequestHandler, bytes], None]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def send_json(
    request: BaseHTTPRequestHandler, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    data = json.dumps(body).encode()
    request.send_response(status)
    request.send_header("Content-Type", "application/json")
    request.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(data)


def start_chunked(request: BaseHTTPRequestHandler, content_type: str = "text/event-stream") -> None:
    request.send_response(200)
    request.send_header("Content-Type", content_type)
    request.send_header("Transfer-Encoding", "chunked")
    request.end_headers()


def send_chunk(request: BaseHTTPRequestHandler, text: str) -> None:
    data = text.encode()
    request.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    request.wfile.flush()


def end_chunks(request: BaseHTTPRequestHandler) -> None:
    request.wfile.write(b"0\r\n\r\n")
    request.wfile.flush()


def openai_delta(text: str) -> str:
    return (
        "data: "
        + json.dumps({"choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]})
        + "\n\n"
    )


def openai_finish(usage: dict[str, int] | None = None) -> str:
    out = "data: " + json.dumps({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}) + "\n\n"
    if usage:
        out += "data: " + json.dumps({"choices": [], "usage": usage}) + "\n\n"
    return out + "data: [DONE]\n\n"


class Recorder:
    """What the server saw: one (method, path, headers, body) per request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []


@contextmanager
def http_server(post: Handler, get: Handler | None = None) -> Iterator[tuple[str, Recorder]]:
    """A threaded HTTP/1.1 server on 127.0.0.1; yields its base URL and a record of requests."""
    recorder = Recorder()

    class RequestHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            recorder.requests.append((self.command, self.path, headers, body))
            return body

        def do_POST(self) -> None:  # noqa: N802 (the stdlib's naming)
            post(self, self._body())

        def do_GET(self) -> None:  # noqa: N802
            body = self._body()
            if get is None:
                send_json(self, 200, {"object": "list", "data": [{"id": "fake-model", "object": "model"}]})
            else:
                get(self, body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", recorder
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def silent_server() -> Iterator[str]:
    """Accepts connections and never says a word (a read timeout, not a connect timeout)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()


def stream_tokens_then(request: BaseHTTPRequestHandler, tokens: list[str], *, then: str) -> None:
    """Stream OpenAI deltas, then: 'done', 'close' (drop the connection mid-body)."""
    start_chunked(request)
    for token in tokens:
        send_chunk(request, openai_delta(token))
        time.sleep(0.01)
    if then == "close":
        request.wfile.flush()
        request.connection.shutdown(socket.SHUT_RDWR)
        request.close_connection = True
        return
    send_chunk(request, openai_finish())
    end_chunks(request)
