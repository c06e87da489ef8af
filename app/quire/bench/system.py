"""Whole-process figures, each from a fresh `quire` process as a user starts it: launch to window
shown, launch to the first token of an answer, and peak memory while importing corpora of two sizes
(does it stay flat as the corpus grows?)."""

from __future__ import annotations

import contextlib
import re
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quire.config import environment_for_child
from quire.library.background import quire_command

# Qt logs this when a top-level window is handed to the window system (shown).
WINDOW_SHOWN = re.compile(r"QWidgetWindow\(.*\) to true via QWidgetWindow::setNativeWindowVisibility")


@contextlib.contextmanager
def _running(argv: list[str], env: dict[str, str], timeout: float, **pipes: Any) -> Iterator[Any]:
    """The process, killed after `timeout` seconds and in any case once the caller is done."""
    proc = subprocess.Popen(argv, env=env, **pipes)
    killer = threading.Timer(timeout, proc.kill)
    killer.start()
    try:
        yield proc
    finally:
        killer.cancel()
        proc.kill()
        proc.wait(timeout=30)


def seconds_to_line(argv: list[str], env: dict[str, str], pattern: re.Pattern[str], timeout: float) -> float:
    started = time.monotonic()
    with _running(argv, env, timeout, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        for line in proc.stderr:
            if pattern.search(line):
                return time.monotonic() - started
        raise RuntimeError(f"{' '.join(argv)}: no window within {timeout:.0f} s (exit code {proc.wait()})")


def _time_to_output(argv: list[str], env: dict[str, str], timeout: float) -> float:
    """Launch to the first byte on stdout (the first streamed token of `quire ask`)."""
    started = time.monotonic()
    with _running(argv, env, timeout, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        if not proc.stdout.read(1):
            error = proc.stderr.read().decode(errors="replace")
            raise RuntimeError(f"`quire ask` printed nothing: {error.strip()[-300:]}")
        return time.monotonic() - started


def measure_startup(home: Path, runs: int = 3) -> dict[str, Any]:
    """`home` holds an indexed library, so the window and the answer have real work to show."""
    env = environment_for_child(
        QUIRE_HOME=str(home),
        QT_LOGGING_RULES="qt.widgets.showhide.debug=true",
        offscreen_without_display=True,
    )
    figures: dict[str, Any] = {}
    try:
        shown = [seconds_to_line(quire_command("gui"), env, WINDOW_SHOWN, 120) for _ in range(runs)]
        figures["startup_window_s"] = round(statistics.median(shown), 2)
        first = [
            _time_to_output(quire_command("ask", "What was measured about tidal energy?"), env, 300)
            for _ in range(max(1, runs - 1))
        ]
        figures["startup_first_token_s"] = round(statistics.median(first), 2)
    except (OSError, RuntimeError) as exc:
        figures["startup_error"] = str(exc)
    return figures


def peak_rss_mb(argv: list[str], env: dict[str, str], timeout: float = 3600) -> float:
    """The highest resident memory of the process and its children (the reader) together."""
    import psutil

    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    watched = psutil.Process(proc.pid)
    peak = 0
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            total = watched.memory_info().rss
            for child in watched.children(recursive=True):
                total += child.memory_info().rss
        except psutil.Error:
            total = 0  # it exited between the poll and the read
        peak = max(peak, total)
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
        raise RuntimeError(f"the import did not finish in {timeout:.0f} s")
    if proc.returncode != 0:
        error = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
        raise RuntimeError(f"the import failed (exit code {proc.returncode}): {error.strip()[-300:]}")
    return peak / 2**20


def measure_import_memory(workdir: Path, sizes: list[int]) -> dict[str, Any]:
    """Peak RSS importing `sizes` two-page PDFs, each into an empty library."""
    from quire.library.samples import make_pdf

    figures: dict[str, Any] = {}
    peaks = []
    for size in sizes:
        corpus = workdir / f"memory-{size}"
        corpus.mkdir(parents=True, exist_ok=True)
        for n in range(size):
            pages = [f"Memory corpus file {n}, page {p}: a short page of text." for p in (1, 2)]
            make_pdf(corpus / f"file{n:05}.pdf", pages)
        env = environment_for_child(QUIRE_HOME=str(workdir / f"memory-home-{size}"))
        try:
            peak = peak_rss_mb(quire_command("ingest", str(corpus), "--json"), env)
        except (OSError, RuntimeError) as exc:
            figures["memory_error"] = str(exc)
            return figures
        figures[f"import_{size}_pdfs_peak_rss_mb"] = round(peak)
        peaks.append(peak)
    if len(peaks) > 1:
        figures["import_rss_growth_pct"] = round(100 * (peaks[-1] - peaks[0]) / peaks[0], 1)
    return figures
