"""The vector pass as a detached process: what `quire ingest --no-wait` leaves running.

It outlives the command that started it, holds the writer lock as a job that yields (another writer
asks it to stop and finishes its work: see library/lock.py), and logs to the data dir's log, never to
the terminal it was started from. Killed at any point, the next import or pass resumes it."""

from __future__ import annotations

import sys

from quire.config import Settings, environment_for_child

FLAG = "--background-vectors"  # the hidden `quire ingest` option the child runs with


def quire_command(*args: str) -> list[str]:
    """How to start `quire` again: the same interpreter (or the desktop bundle's executable)."""
    if getattr(sys, "frozen", False):  # the desktop bundle: its executable is `quire`
        return [sys.executable, *args]
    return [sys.executable, "-m", "quire", *args]


def start_vector_pass(settings: Settings) -> int:
    """Start the detached vector pass on this library; returns its pid."""
    import subprocess

    detach: dict[str, object] = {}
    if sys.platform == "win32":
        detach["creationflags"] = subprocess.DETACHED_PROCESS | subprocess.CREATE_NEW_PROCESS_GROUP  # type: ignore[attr-defined,unused-ignore]
    else:
        detach["start_new_session"] = True  # no Ctrl-C or hang-up from the terminal reaches it
    proc = subprocess.Popen(
        quire_command("ingest", FLAG),
        env=environment_for_child(QUIRE_HOME=str(settings.home)),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
        **detach,  # type: ignore[call-overload]
    )
    return proc.pid
