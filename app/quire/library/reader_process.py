"""Loaders run in a child process, so a file that hangs, crashes or eats memory in its parser
costs that one file (stopped after a timeout, reported as failed), never the whole import.

The child answers each request with ("ok", document) or ("error", reason), after any number of
("progress", done, total) messages while it OCRs pages; OCR'd pages are cached as they are read,
so a file stopped by the time limit or by the user resumes where it was on the next import."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

from quire.errors import LoaderError
from quire.library.loaders import OUT_OF_MEMORY, LoadedDocument, ReadOptions

log = logging.getLogger(__name__)


def default_memory_limit() -> int:
    """Bytes of address space a parser may use (enforced on Linux): half the machine's memory,
    between 2 and 6 GiB, so a hostile file cannot push a small laptop into swap."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 8 * 1024**3
    return max(2 * 1024**3, min(6 * 1024**3, physical // 2))


def _serve(conn: Connection, memory_limit: int, options: ReadOptions) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    if sys.platform.startswith("linux"):
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    # Parsers' warnings (pypdf, fontTools) go nowhere near the user's terminal.
    logging.basicConfig(level=logging.ERROR, handlers=[logging.NullHandler()])
    from dataclasses import replace

    from quire.library.loaders import load_document

    def progress(done: int, total: int) -> None:
        conn.send(("progress", done, total))

    options = replace(options, progress=progress)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        try:
            conn.send(("ok", load_document(Path(request), options)))
        except LoaderError as exc:
            if not exc.reason.startswith(OUT_OF_MEMORY):
                conn.send(("error", exc.reason))
                continue
            conn.send(("error", f"{OUT_OF_MEMORY} (limit {memory_limit / 2**20:,.0f} MB)"))
            return  # a fresh reader for the next file: this one's heap may stay bloated
        except MemoryError:  # e.g. while pickling a huge document for the pipe
            conn.send(("error", f"{OUT_OF_MEMORY} (limit {memory_limit / 2**20:,.0f} MB)"))
            return


class ReadCancelled(Exception):
    """The user cancelled while a file was being read (its OCR'd pages so far are kept)."""


OCR_RESUMES = "the pages OCR'd so far are kept: import it again to go on"


class ReaderProcess:
    """One worker process fed through a pipe; requests are answered in order."""

    def __init__(self, memory_limit: int | None = None, options: ReadOptions | None = None) -> None:
        self.memory_limit = memory_limit or default_memory_limit()
        self.options = options or ReadOptions()
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self._ctx = multiprocessing.get_context(method)
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self.in_flight: list[str] = []

    def _start(self) -> Connection:
        parent, child = self._ctx.Pipe()
        self._proc = self._ctx.Process(  # type: ignore[attr-defined]
            target=_serve, args=(child, self.memory_limit, self.options), daemon=True
        )
        self._proc.start()
        child.close()
        self._conn = parent
        return parent

    def submit(self, path: str) -> None:
        conn = self._conn
        idle_and_dead = not self.in_flight and (self._proc is None or not self._proc.is_alive())
        if conn is None or idle_and_dead:
            self.close()
            conn = self._start()
        self.in_flight.append(path)
        with contextlib.suppress(OSError):  # it died with requests queued: result() reports it, sends again
            conn.send(path)

    def result(
        self,
        timeout: float,
        progress: Callable[[int, int], None] | None = None,
        cancel: threading.Event | None = None,
    ) -> LoadedDocument:
        """The oldest request's document; LoaderError if it failed, hung or crashed the reader,
        ReadCancelled if `cancel` was set first. `progress` hears (pages OCR'd, pages to OCR)."""
        path = self.in_flight.pop(0)
        conn = self._conn
        deadline = time.monotonic() + timeout
        pages: tuple[int, int] | None = None
        try:
            if conn is None:
                raise EOFError
            while True:
                left = deadline - time.monotonic()
                if cancel is not None and cancel.is_set():
                    self._restart()
                    raise ReadCancelled(path)
                if left <= 0:
                    self._restart()
                    raise LoaderError(path, _timeout_reason(timeout, pages))
                if not conn.poll(min(left, 0.25) if cancel is not None else left):
                    continue
                message = conn.recv()
                if message[0] != "progress":
                    break
                pages = (message[1], message[2])
                if progress is not None:
                    progress(*pages)
            status, payload = message
        except (EOFError, OSError, ConnectionError):
            proc = self._proc
            if proc is not None:
                proc.join(timeout=2)  # reap it, so the exit code says how it died
            code = proc.exitcode if proc is not None else None
            self._restart()
            raise LoaderError(path, crash_reason(code)) from None
        if status == "error":
            if payload.startswith(OUT_OF_MEMORY):  # the reader exits after this: start a fresh one
                self._restart()
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


def _timeout_reason(timeout: float, pages: tuple[int, int] | None) -> str:
    if pages is None or pages[0] >= pages[1]:
        return f"reading took over {timeout:.0f} s and was stopped"
    return (
        f"reading took over {timeout:.0f} s and was stopped at page {pages[0]} of the {pages[1]} "
        f"that need OCR; {OCR_RESUMES}"
    )


def crash_reason(code: int | None) -> str:
    """What a reader's death means to the user. SIGKILL from outside is the system's out-of-memory
    killer (a timeout is reported before it is killed); other signals are parser crashes."""
    if code == -signal.SIGKILL:
        return "too large to read: the system stopped the reader (out of memory)"
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the file crashed the reader ({name}); it may be damaged"
    return f"the file crashed the reader (exit code {code}); it may be damaged"
