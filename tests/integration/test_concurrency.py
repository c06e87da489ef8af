"""Two Quires on one data dir: one writer at a time (the other is told who holds the library),
reads work while an import runs, and a long-lived Quire (the GUI) sees and keeps another's writes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from helpers import QUIRE, run_cli
from quire.config import Settings
from quire.core import Quire
from quire.errors import LibraryBusy
from quire.library.lock import holder

PAUSE_S = 0.4  # slows the importer's writes so the other process certainly meets it mid-import


def _notes(folder: Path, count: int, topic: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        (folder / f"{topic}-{n:02}.md").write_text(
            f"# {topic.title()} {n}\n\n" + f"Entry {n} on {topic}: the survey counted {n * 7} items. " * 30,
            encoding="utf-8",
        )
    return folder


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "QUIRE_HOME": str(home), **extra}


def _writer_started(home: Path, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while (holder(home) or {}).get("pid") != proc.pid:
        assert proc.poll() is None, "the import ended before the test could meet it"
        assert time.monotonic() < deadline, "the import never took the writer lock"
        time.sleep(0.05)


def _import_recorded(home: Path, proc: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Wait until the writer has written down what it imports (so a new run can finish it)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with sqlite3.connect(f"file:{home / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
                if db.execute("SELECT count(*) FROM pending_imports").fetchone()[0]:
                    return
        except sqlite3.Error:
            pass  # not created yet
        assert proc.poll() is None, "the import ended before the test could meet it"
        assert time.monotonic() < deadline, "the import never recorded its work"
        time.sleep(0.05)


def test_second_writer_is_refused_by_name_and_readers_work_during_an_import(tmp_path: Path) -> None:
    home = tmp_path / "home"
    seed = tmp_path / "seed.md"
    seed.write_text("# Garden\n\nThe San Marzano tomatoes need watering every second evening.\n")
    assert run_cli("ingest", str(seed), env=_env(home)).returncode == 0
    big = _notes(tmp_path / "survey", 10, "lichen")
    other = _notes(tmp_path / "other", 1, "moss")

    importer = subprocess.Popen(
        [str(QUIRE), "ingest", str(big)],
        env=_env(home, QUIRE_INGEST__WRITE_PAUSE_S=str(PAUSE_S)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _writer_started(home, importer)
        children = {
            "ingest": ["ingest", str(other)],
            "remove": ["remove", str(seed)],
            "search": ["search", "when do the tomatoes need water", "--json"],
            "status": ["status", "--json"],
        }
        running = {
            name: subprocess.Popen(
                [str(QUIRE), *args], env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
            for name, args in children.items()
        }
        with pytest.raises(LibraryBusy) as refused:  # the GUI's own import, in this process
            Quire(Settings.load(home)).ingest([other])
        out = {name: (proc.communicate(timeout=300), proc.returncode) for name, proc in running.items()}
        assert importer.poll() is None, "the import finished before the others met it: raise PAUSE_S"
    finally:
        if importer.poll() is None:
            importer.wait(timeout=300)

    message = (
        f"the library at {home} is being changed by another Quire (pid {importer.pid}, quire import); "
        "try again when its import finishes"
    )
    assert str(refused.value) == message
    for name in ("ingest", "remove"):
        (stdout, stderr), code = out[name]
        assert code == 1 and stderr.strip() == f"quire: {message}", (name, stderr)
    (stdout, stderr), code = out["search"]
    assert code == 0, stderr
    assert json.loads(stdout)["hits"][0]["path"] == str(seed)  # what was indexed before stays searchable
    (stdout, stderr), code = out["status"]
    assert code == 0, stderr
    status = json.loads(stdout)
    assert status["writer"]["pid"] == importer.pid and status["documents"] >= 1

    assert importer.returncode == 0, importer.stderr.read() if importer.stderr else ""
    assert holder(home) is None  # released
    assert run_cli("ingest", str(other), env=_env(home)).returncode == 0
    after = json.loads(run_cli("status", "--json", env=_env(home)).stdout)
    assert after["documents"] == 12 and after["consistency"]["ok"], after


def test_lock_dies_with_a_killed_writer(tmp_path: Path) -> None:
    home = tmp_path / "home"
    proc = subprocess.Popen(
        [str(QUIRE), "ingest", str(_notes(tmp_path / "n", 6, "fern"))],
        env=_env(home, QUIRE_INGEST__WRITE_PAUSE_S=str(PAUSE_S)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _writer_started(home, proc)
    _import_recorded(home, proc)  # killed before that, there is nothing to resume: the user runs it again
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert holder(home) is None
    resumed = run_cli("ingest", "--json", env=_env(home))
    assert resumed.returncode == 0, resumed.stderr
    status = json.loads(run_cli("status", "--json", env=_env(home)).stdout)
    assert status["documents"] == 6 and status["consistency"]["ok"], status


def test_long_lived_quire_sees_and_keeps_another_process_writes(tmp_path: Path) -> None:
    """The GUI keeps one Quire open for hours; Chroma caches its index per process, so without a
    reopen the GUI would search a stale index and, writing next, save it over the CLI's vectors."""
    home = tmp_path / "home"
    gui = Quire(Settings.load(home))
    gui.ingest([_notes(tmp_path / "a", 2, "heron")])
    assert gui.search("heron survey")

    lemon = tmp_path / "lemon.txt"
    lemon.write_text("Grandmother's lemon cake: 200 g flour, 3 eggs, zest of two lemons, bake 40 minutes.\n")
    assert run_cli("ingest", str(lemon), env=_env(home)).returncode == 0  # the CLI, meanwhile

    lemon_id = gui.catalog.chunk_ids(str(lemon))[0]
    vector = gui.embedder.encode([lemon.read_text()], 8)[0]
    assert gui.store.query(vector, 1)[0][0] == lemon_id  # the GUI's vector search sees the new file

    gui.ingest([_notes(tmp_path / "b", 2, "otter")])  # and its own next import keeps the CLI's vectors
    status = json.loads(run_cli("status", "--json", env=_env(home)).stdout)
    consistency = status["consistency"]
    assert status["documents"] == 5 and consistency["ok"], consistency
    assert consistency["store_vectors"] == consistency["catalog_chunks"]


def test_files_changed_deleted_or_replaced_during_an_import(tmp_path: Path) -> None:
    """Changed between hashing and reading (or after reading): read again, never indexed under a
    stale hash; deleted: 'no longer exists', or dropped from the library when it was in it."""
    from quire.library.ingest import GONE, FileProblem, IngestProgress, sha256_file

    home = tmp_path / "home"
    docs = _notes(tmp_path / "docs", 6, "kestrel")
    paths = sorted(docs.glob("*.md"))
    known = paths[5]
    quire = Quire(Settings.load(home))
    assert quire.ingest([known]).added == 1
    known.write_text(known.read_text() + "\nA later survey added a note.\n")  # changed: it is work again

    def meddle(event: IngestProgress) -> None:
        if event.stage != "reading" or meddle.done:  # type: ignore[attr-defined]
            return
        meddle.done = True  # type: ignore[attr-defined]
        # on the first file's turn: everything was hashed; files 0 and 1 are being read ahead
        for path in (paths[1], paths[3]):
            with path.open("a", encoding="utf-8") as handle:
                handle.write("\nAPPENDED while the import ran: the kestrel nested twice.\n")
        paths[4].unlink()
        replacement = docs / "replacement.tmp"
        replacement.write_text("# Replaced\n\nREPLACED wholesale: an osprey report.\n", encoding="utf-8")
        os.replace(replacement, paths[2])
        known.unlink()

    meddle.done = False  # type: ignore[attr-defined]
    summary = quire.ingest([docs], progress=meddle)

    assert summary.failed == [FileProblem(str(paths[4]), GONE)]
    assert summary.removed == 1 and quire.catalog.file(str(known)) is None
    assert quire.catalog.file(str(paths[4])) is None
    for path in (paths[0], paths[1], paths[2], paths[3]):
        record = quire.catalog.file(str(path))
        assert record is not None and record.state == "indexed", path
        assert record.sha256 == sha256_file(path), f"{path.name} indexed under a stale hash"
        chunks = quire.catalog.chunks_by_id(quire.catalog.chunk_ids(str(path)))
        text = " ".join(chunk.text for chunk in chunks.values())
        assert ("APPENDED" in text) == (path in (paths[1], paths[3])), path.name
        assert ("REPLACED" in text) == (path == paths[2]), path.name
    consistency = quire.consistency()
    assert consistency is not None and consistency.ok, consistency
