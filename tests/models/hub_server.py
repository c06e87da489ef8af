"""A loopback Hugging Face Hub: the file-download protocol huggingface_hub speaks, on 127.0.0.1.

HEAD/GET /{owner}/{repo}/resolve/{revision}/{file} answers 302 with X-Repo-Commit, X-Linked-Etag
(the LFS SHA-256), X-Linked-Size, ETag and a Location on a second server (the "CDN", another
origin, so the client must drop the token), which serves the bytes with Range (206 +
Content-Range). Errors carry X-Error-Code as the Hub's do. Files can be served as they are,
corrupted (the Hub still advertises the real hash), slowly, or with the connection dropped once."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

COMMIT = "0123456789abcdef0123456789abcdef01234567"
REPO = "test/smol"  # the shipped model's bytes, as the tests serve them


@dataclass
class HubFile:
    data: bytes
    sha256: str = ""  # what the Hub advertises; default: the real hash of `data`
    corrupt: bool = False  # serve bytes that differ from the advertised hash
    rate_bps: int | None = None  # a slow stream
    drop_after: int | None = None  # close the connection once, after this many bytes of a GET
    gated_token: str | None = None  # the Authorization: Bearer token the repo wants

    def __post_init__(self) -> None:
        self.sha256 = self.sha256 or hashlib.sha256(self.data).hexdigest()

    def served(self) -> bytes:
        if not self.corrupt:
            return self.data
        flipped = bytearray(self.data)
        for spot in range(len(flipped) // 3, len(flipped), max(1, len(flipped) // 7)):
            flipped[spot] ^= 0xFF
        return bytes(flipped)


@dataclass
class Hub:
    url: str = ""
    cdn_url: str = ""
    files: dict[tuple[str, str], HubFile] = field(default_factory=dict)
    requests: list[tuple[str, str, str, dict[str, str]]] = field(default_factory=list)  # server, method, path
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, repo: str, file: str, hub_file: HubFile) -> HubFile:
        self.files[(repo, file)] = hub_file
        return hub_file

    def seen(self, server: str, method: str | None = None) -> list[tuple[str, str, str, dict[str, str]]]:
        with self.lock:
            return [r for r in self.requests if r[0] == server and (method is None or r[1] == method)]


def _handler(hub: Hub, role: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _record(self) -> None:
            with hub.lock:
                hub.requests.append(
                    (role, self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
                )

        def do_HEAD(self) -> None:  # noqa: N802 (the stdlib's naming)
            self._record()
            self._resolve() if role == "hub" else self._blob(head=True)

        def do_GET(self) -> None:  # noqa: N802
            self._record()
            self._resolve() if role == "hub" else self._blob(head=False)

        def _error(self, status: int, code: str) -> None:
            self.send_response(status)
            self.send_header("X-Error-Code", code)
            self.send_header("X-Repo-Commit", COMMIT) if code == "EntryNotFound" else None
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _resolve(self) -> None:
            parts = unquote(urlsplit(self.path).path).strip("/").split("/")
            if len(parts) < 5 or parts[2] != "resolve":
                return self._error(404, "RepoNotFound")
            repo, file = "/".join(parts[:2]), "/".join(parts[4:])
            if not any(r == repo for r, _ in hub.files):
                return self._error(401, "RepoNotFound")  # what the Hub says to anonymous callers
            entry = hub.files.get((repo, file))
            if entry is None:
                return self._error(404, "EntryNotFound")
            if entry.gated_token and self.headers.get("Authorization") != f"Bearer {entry.gated_token}":
                return self._error(401, "GatedRepo")
            self.send_response(302)
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("X-Linked-Etag", f'"{entry.sha256}"')
            self.send_header("X-Linked-Size", str(len(entry.data)))
            self.send_header("ETag", '"' + hashlib.sha1(entry.sha256.encode()).hexdigest() + '"')
            self.send_header("Location", f"{hub.cdn_url}/blobs/{repo}/{file}?X-Amz-Signature=loopback")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def _blob(self, head: bool) -> None:
            path = unquote(urlsplit(self.path).path).strip("/").split("/")
            entry = hub.files.get(("/".join(path[1:3]), "/".join(path[3:])))
            if entry is None:
                return self._error(404, "EntryNotFound")
            body = entry.served()
            start = 0
            wanted = self.headers.get("Range")
            if wanted and wanted.startswith("bytes="):
                start = int(wanted[6:].split("-")[0] or 0)
            self.send_response(206 if start else 200)
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(len(body) - start))
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.end_headers()
            if head:
                return
            self._stream(entry, body[start:])

        def _stream(self, entry: HubFile, body: bytes) -> None:
            step = 64 * 1024
            sent = 0
            started = time.monotonic()
            try:
                while sent < len(body):
                    if entry.drop_after is not None and sent >= entry.drop_after:
                        entry.drop_after = None  # once
                        self.close_connection = True
                        return
                    piece = body[sent : sent + step]
                    self.wfile.write(piece)
                    sent += len(piece)
                    if entry.rate_bps:
                        ahead = sent / entry.rate_bps - (time.monotonic() - started)
                        if ahead > 0:
                            time.sleep(ahead)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    return Handler


@contextmanager
def loopback_hub() -> Iterator[Hub]:
    """The Hub and its CDN, each on a free port of 127.0.0.1 (two origins)."""
    hub = Hub()
    servers = []
    for role in ("hub", "cdn"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(hub, role))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    hub.url = f"http://127.0.0.1:{servers[0].server_address[1]}"
    hub.cdn_url = f"http://127.0.0.1:{servers[1].server_address[1]}"
    try:
        yield hub
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def serve_forever(model: Path, port_file: Path, rate_bps: int) -> None:
    """For a child process: serve `model` slowly as test/smol/<name> and write the Hub's URL."""
    with loopback_hub() as hub:
        hub.add("test/smol", model.name, HubFile(model.read_bytes(), rate_bps=rate_bps))
        port_file.write_text(hub.url)
        while True:
            time.sleep(1)
