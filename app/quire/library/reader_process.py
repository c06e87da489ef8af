"""Loaders run in a child process, so a file that hangs, crashes or eats memory in its parser
costs that one file (stopped after a timeout, reported as failed), never the whole import."""

from __future__ import annotations

import logging
import multiprocessing
import signal
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from quire.errors import LoaderError
from quire.library.loaders import LoadedDocument

log = logging.getLogger(__name__)

CHILD_MEMORY_LIMIT = 6 * 1024**3  # bytes of address space a parser may use (Linux only)


def _serve(conn: Connection) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if sys.platform.startswith("linux"):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY_LIMIT, CHILD_MEMORY_LIMIT))
    # Parsers' warnings (pypdf, fontTools) go nowhere near the user's terminal.
    logging.basicConfig(level=logging.ERROR, handlers=[logging.NullHandler()])
    from quire.library.loaders import load_document

    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", load_document(Path(request))))
        except LoaderError as exc:
            conn.send(("error", exc.reason))
        except MemoryError:
            conn.send(("error", "too large to read: the parser ran out of memory"))


class ReaderProcess:
    """One worker process fed through a pipe; requests are answered in order."""

    def __init__(self) -> None:
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self._ctx = multiprocessing.get_context(method)
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self.in_flight: list[str] = []

    def _ensure(self) -> Connection:
        if self._proc is None or not self._proc.is_alive() or self._conn is None:
            parent, child = self._ctx.Pipe()
            self._proc = self._ctx.Process(target=_serve, args=(child,), daemon=True)  # type: ignore[attr-defined]
            self._proc.start()
            child.close()
            self._conn = parent
        return self._conn

    def submit(self, path: str) -> None:
        self._ensure().send(path)
        self.in_flight.append(path)

    def result(self, timeout: float) -> LoadedDocument:
        """The oldest request's document; LoaderError if it failed, hung or crashed the reader."""
        path = self.in_flight.pop(0)
        conn = self._conn
        try:
            if conn is None:
                raise EOFError
            ready = conn.poll(timeout)
            if not ready:
                self._restart()
                raise LoaderError(path, f"reading took over {timeout:.0f} s and was stopped")
            status, payload = conn.recv()
        except (EOFError, OSError, ConnectionError):
            code = self._proc.exitcode if self._proc is not None else None
            self._restart()
            raise LoaderError(path, f"the file crashed the reader (exit code {code})") from None
        if status == "error":
            raise LoaderError(path, payload)
        return payload

    def _restart(self) -> None:
        """Kill the worker; requests that were queued behind the failed one are sent again."""
        pending = self.in_flight
        self.in_flight = []
        self.close()
        for path in pending:
            self.submit(path)

    def close(self) -> None:
        if self._proc is not None and self._proc.pid is not None:
            if self._proc.is_alive():
                self._proc.kill()
            self._proc.join(timeout=5)
        if self._conn is not None:
            self._conn.close()
        self._proc = None
        self._conn = None
