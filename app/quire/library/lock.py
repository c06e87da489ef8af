"""Who may change a library: one writer per data dir, and why a write could not happen.

Embedded Chroma is not safe with two writer processes (each keeps its own in-memory index and
would save it over the other's), so imports, removals and syncs hold an OS file lock on
`writer.lock` in the data dir. The kernel drops the lock when its process dies, even by SIGKILL,
so a crash never leaves the library locked. Readers (search, ask, status) take no lock.

A background job (the vector pass `quire ingest --no-wait` leaves running) holds the lock as one
that yields: a writer that finds it so asks it to stop (the `writer.yield` file), waits for the lock,
and finishes the job's work itself, so a user's import never fails on a background one."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from quire.errors import LibraryBusy, LibraryUnwritable

LOCK_FILE = "writer.lock"
YIELD_FILE = "writer.yield"  # present: a writer waits for the background holder to let go
YIELD_WAIT_S = 120.0  # how long a writer waits for it (it stops after the batch in hand)
_LOCK_OFFSET = 1 << 20  # Windows locks a byte range: lock one far past the holder's note

_FULL = (errno.ENOSPC, errno.EDQUOT)
_READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)


class WriterLock:
    """Held while this process changes the library; `what` names the job for the other's message."""

    def __init__(self, home: Path, what: str, yields: bool = False) -> None:
        self.home = home
        self.what = what
        self.yields = yields  # a background job: gives the lock up when another writer asks
        self._handle: IO[str] | None = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        path = self.home / LOCK_FILE
        try:
            handle = path.open("a+", encoding="utf-8")
        except OSError as exc:
            raise unwritable(exc, self.home, "import") or exc from exc
        if not _try_lock(handle) and not self._wait_for_yield(handle):
            handle.close()
            raise LibraryBusy(busy_message(self.home))
        self._handle = handle
        with contextlib.suppress(OSError):  # asked for by a writer now gone, or by us: done with
            (self.home / YIELD_FILE).unlink(missing_ok=True)
        note = {"pid": os.getpid(), "what": self.what, "since": time.time(), "yields": self.yields}
        try:  # the note only improves the other process's message: a full disk must not stop us here
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps(note))
            handle.flush()
        except OSError:
            pass

    def _wait_for_yield(self, handle: IO[str]) -> bool:
        """The holder is a background job: ask it to stop and wait for the lock. False if it is not
        one (or we are one: a background job never pushes another aside)."""
        if self.yields or not (holder(self.home) or {}).get("yields"):
            return False
        try:
            (self.home / YIELD_FILE).touch()
        except OSError:
            return False
        deadline = time.monotonic() + YIELD_WAIT_S
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if _try_lock(handle):
                return True
            with contextlib.suppress(OSError):  # (another background job took over and cleared it)
                (self.home / YIELD_FILE).touch()
            if not (holder(self.home) or {"yields": True}).get("yields"):
                return False  # a foreground writer took it meanwhile
        return False

    def release(self) -> None:
        if self._handle is not None:
            _unlock(self._handle)
            self._handle.close()
            self._handle = None


def holder(home: Path) -> dict[str, Any] | None:
    """The note the current writer left (pid, what, since), or None when nobody writes."""
    try:
        with (home / LOCK_FILE).open(encoding="utf-8") as handle:
            if _try_lock(handle, shared=True):
                _unlock(handle)
                return None
            text = handle.read()
        return dict(json.loads(text)) if text else {}
    except (OSError, ValueError):
        return None


def yield_requested(home: Path) -> bool:
    """Has another writer asked the background holder to give the library up?"""
    return (home / YIELD_FILE).exists()


@contextlib.contextmanager
def stop_when_asked(home: Path, stop: threading.Event, watch: bool = True) -> Iterator[None]:
    """While inside, set `stop` as soon as another writer asks this (background) holder to yield."""
    if not watch:
        yield
        return
    closed = threading.Event()

    def look() -> None:
        while not closed.wait(0.2):
            if yield_requested(home):
                stop.set()  # the job stops after the batch in hand and lets go of the lock
                return

    watcher = threading.Thread(target=look, name="quire-yield-watch", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        closed.set()
        watcher.join()


def busy_message(home: Path) -> str:
    note = holder(home) or {}
    who = (
        f"another Quire (pid {note['pid']}, {note.get('what', 'import')})"
        if "pid" in note
        else ("another Quire")
    )
    return f"the library at {home} is being changed by {who}; try again when its import finishes"


def unwritable(exc: BaseException, home: Path, action: str = "import") -> LibraryUnwritable | None:
    """The user's sentence when `exc` means the data dir cannot take writes (full or read-only), else None.

    Chroma and SQLite wrap the OS error in their own exceptions, so this reads the message too and,
    failing that, asks the file system whether it is full or mounted read-only."""
    code = _errno(exc)
    text = str(exc).lower()
    if code in _FULL or "disk is full" in text or "no space left" in text or _nearly_full(home):
        return LibraryUnwritable(
            f"the disk holding the library ({home}) is full — free space and run the {action} "
            "again; nothing was lost"
        )
    if code in _READ_ONLY or "readonly" in text or "read-only" in text or _read_only(home):
        return LibraryUnwritable(
            f"the library at {home} is read-only ({_reason(exc)}): search and status work, "
            f"but to {action} it needs a writable data folder"
        )
    return None


def _errno(exc: BaseException | None) -> int | None:
    while exc is not None:
        if isinstance(exc, OSError) and exc.errno is not None:
            return exc.errno
        if isinstance(exc, sqlite3.OperationalError) and "full" in str(exc):
            return errno.ENOSPC
        exc = exc.__cause__ or exc.__context__
    return None


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__


def _nearly_full(home: Path) -> bool:
    try:
        stats = os.statvfs(home)  # type: ignore[attr-defined,unused-ignore]
    except (OSError, AttributeError):
        return False
    return bool(stats.f_bavail * stats.f_frsize < 256 * 1024)


def _read_only(home: Path) -> bool:
    try:
        stats = os.statvfs(home)  # type: ignore[attr-defined,unused-ignore]
        return bool(stats.f_flag & os.ST_RDONLY)  # type: ignore[attr-defined,unused-ignore]
    except (OSError, AttributeError):
        return not os.access(home, os.W_OK)


if sys.platform == "win32":
    import msvcrt

    def _try_lock(handle: IO[str], shared: bool = False) -> bool:
        position = handle.tell()
        try:
            handle.seek(_LOCK_OFFSET)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
        finally:
            handle.seek(position)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(_LOCK_OFFSET)
        with contextlib.suppress(OSError):
            msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(handle: IO[str], shared: bool = False) -> bool:
        try:
            fcntl.flock(handle.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
