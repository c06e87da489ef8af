"""kill -9 in the middle of an import, then run it again: exact chunk counts, no duplicates."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from fixtures import make_pdf
from helpers import QUIRE, run_cli


def _indexed(home: Path) -> int:
    try:
        with sqlite3.connect(home / "catalog.sqlite3", timeout=1) as db:
            return db.execute("SELECT count(*) FROM files WHERE state = 'indexed'").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_kill_during_import_then_resume(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(16):
        make_pdf(
            docs / f"paper{n:02}.pdf",
            [f"Paper {n} page {p}: " + f"measurement {n}-{p} of river silt " * 40 for p in range(3)],
        )
    killed_home = tmp_path / "killed"

    proc = subprocess.Popen(
        [str(QUIRE), "ingest", str(docs)],
        env={**_env(killed_home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while _indexed(killed_home) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the import finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = _indexed(killed_home)
    assert 3 <= partial < 16

    status = json.loads(run_cli("status", "--json", env=_env(killed_home)).stdout)
    assert status["pending_imports"] == [str(docs)]

    resumed = run_cli("ingest", "--json", env=_env(killed_home))  # no paths: finish what was begun
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["added"] + summary["updated"] + summary["unchanged"] == 16
    assert summary["unchanged"] >= partial

    expected = _expected_chunks(sorted(docs.glob("*.pdf")))
    after = json.loads(run_cli("status", "--json", env=_env(killed_home)).stdout)
    assert after["documents"] == 16 and after["pending_imports"] == []
    assert after["chunks"] == expected
    assert _store_count(killed_home) == expected  # the vector store holds no duplicates


def _expected_chunks(paths: list[Path]) -> int:
    """What a clean import makes of these files (same loader, same chunker)."""
    from quire.config import Settings
    from quire.library.chunking import chunk_sections
    from quire.library.loaders import load_document

    settings = Settings.load(Path("/nonexistent"))
    size, overlap = settings.get("ingest.chunk_chars"), settings.get("ingest.overlap_chars")
    return sum(len(chunk_sections(str(p), "0" * 64, load_document(p).sections, size, overlap)) for p in paths)


def _store_count(home: Path) -> int:
    script = (
        "from quire.config import Settings; from quire.core import Quire; "
        f"print(Quire(Settings.load(__import__('pathlib').Path({str(home)!r}))).store.count())"
    )
    out = subprocess.run(
        [str(QUIRE.parent / "python"), "-c", script], capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip())


def _env(home: Path) -> dict[str, str]:
    import os

    return {**os.environ, "QUIRE_HOME": str(home)}
