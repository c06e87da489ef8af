"""Chaos: SIGKILL `quire ingest` at random points many times over one corpus, then let it finish.

The library must equal a clean import of the same files: documents, chunk ids in the catalog and
in the vector store, chunk text and the top search hits; no orphan vectors, no duplicates, every
file embedded.

Kills are timed from what the importer is doing (the writer lock taken, this run's first file
marked `indexing`), not from the clock alone: starting a process takes far longer than writing a
file, so blind delays would almost all land in start-up. ingest.write_pause_s widens the windows
between a file's writes so kills land inside them. Both passes are hit: the words pass (a file's
chunks) and the vector pass beside it (its vectors, then its `embedded` mark), in `quire ingest`
and in the detached vector pass `quire ingest --no-wait` leaves running. QUIRE_TEST_CHAOS_KILLS
(default 20) and QUIRE_TEST_CHAOS_SEED change the run; each kill's landing place is printed
(pytest -s)."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from fixtures import make_pdf
from helpers import QUIRE, run_cli
from quire.library.lock import holder

KILLS = int(os.environ.get("QUIRE_TEST_CHAOS_KILLS", "20"))
SEED = int(os.environ.get("QUIRE_TEST_CHAOS_SEED", "1789"))
PAUSE_S = 0.2
EARLY_SHARE = 0.2  # kills aimed at start-up (reconcile, model load, plan) rather than at the writes
NO_WAIT_SHARE = 0.25  # runs that return after the words and leave the vectors to a detached pass
TOPICS = [
    "beekeeping",
    "glacier",
    "violin",
    "tram network",
    "sourdough",
    "lighthouse",
    "orchard",
    "comet",
    "harbour crane",
    "wool dyeing",
    "salt marsh",
    "clock tower",
]
QUERIES = [
    "how much honey did the hives give",
    "when was the comet seen",
    "tram network repairs",
    "sourdough starter feeding",
    "measurements of river silt",
]


def test_sigkill_at_random_points_then_finish_equals_clean_import(tmp_path: Path) -> None:
    started = time.monotonic()
    corpus = _corpus(tmp_path / "corpus")
    files = len(list(corpus.rglob("*.*")))
    reference, killed = tmp_path / "reference", tmp_path / "killed"

    ref = _run_to_end(reference, corpus)
    ref_ids = _chunk_ids_by_path(reference)
    assert len(ref_ids) == files and sum(len(v) for v in ref_ids.values()) >= 40

    rng = random.Random(SEED)
    phases: Counter[str] = Counter()
    kills = 0
    while kills < KILLS:
        pending = _pending(killed)
        args = [] if pending and rng.random() < 0.5 else [str(corpus)]  # resume or name the folder
        no_wait = rng.random() < NO_WAIT_SHARE
        t0 = time.time()
        proc = _start(killed, *args, *(["--no-wait"] if no_wait else []))
        if not _wait_for_writer(killed, proc):
            break  # finished (or failed) before it could be killed
        if no_wait:  # let the words pass end; kill the detached vector pass it leaves running
            assert proc.wait(timeout=300) == 0
            background = _background_pid(killed)
            if background is None:
                continue  # nothing left to embed: it was not started, or has already finished
            time.sleep(rng.uniform(0, 1.5 * _share(killed, files, KILLS - kills) * ref["unit_s"]))
            if not _kill_pid(killed, background):
                continue
            kills += 1
            phases[f"background: {_landed(killed, ref_ids, t0)}"] += 1
            continue
        if rng.random() < EARLY_SHARE:
            time.sleep(rng.uniform(0, ref["startup_s"]))
        else:
            if not _wait_for_mark(killed, t0, proc):
                break
            # let through, on average, a little under this kill's share of the work left (a file's
            # words, then its vectors), so the kills spread over the whole import
            time.sleep(rng.uniform(0, 1.5 * _share(killed, files, KILLS - kills) * ref["unit_s"]))
        if proc.poll() is not None:
            break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        phases[_landed(killed, ref_ids, t0)] += 1
    if proc.poll() is None:
        proc.wait(timeout=300)
    _wait_no_writer(killed)  # a detached vector pass may still be at work: the final import takes over

    final = run_cli("ingest", "--json", *([] if _pending(killed) else [str(corpus)]), env=_env(killed))
    assert final.returncode == 0, final.stderr
    seconds = round(time.monotonic() - started)
    report = f"{kills} kills in {seconds} s (seed {SEED}): {dict(sorted(phases.items()))}"
    print(f"\nchaos: {report}")

    assert kills >= min(KILLS, 20), f"the import ended after only {report}"
    assert _files(killed) == _files(reference)
    assert _chunks(killed) == _chunks(reference)
    ids = {i for v in ref_ids.values() for i in v}
    got = _library(killed)
    want = _library(reference)
    assert got["store_ids"] == ids == want["store_ids"], "the vector store differs from a clean import"
    assert got["store_count"] == len(ids), "duplicate vectors"
    assert got["consistency"] == {**want["consistency"], "ok": True}
    assert got["hits"] == want["hits"]
    status = json.loads(run_cli("status", "--json", env=_env(killed)).stdout)
    assert status["pending_imports"] == [] and status["consistency"]["ok"], status
    assert status["documents"] == files == status["embedded"] and status["pending_embedding"] == 0


# The importer as a child process ------------------------------------------------------------------


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "QUIRE_HOME": str(home), "QUIRE_INGEST__WRITE_PAUSE_S": str(PAUSE_S)}


def _start(home: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(QUIRE), "ingest", *args], env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _share(home: Path, files: int, kills_left: int) -> float:
    """Units of work (a file's words, a file's vectors) per kill left."""
    return max(2 * files - _indexed(home) - _embedded(home), 1) / max(kills_left, 1)


def _background_pid(home: Path, timeout: float = 30) -> int | None:
    """The detached vector pass, once it holds the writer lock; None if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        note = holder(home) or {}
        if note.get("yields") and "pid" in note:
            return int(note["pid"])
        if not _query(home, "SELECT 1 FROM files WHERE state = 'indexed' AND embedded = 0 LIMIT 1"):
            return None  # nothing waits for vectors (any more)
        time.sleep(0.02)
    raise AssertionError("`quire ingest --no-wait` left vectors waiting but no pass to make them")


def _kill_pid(home: Path, pid: int) -> bool:
    """SIGKILL a process that is not our child; False if it had already ended."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    _wait_no_writer(home)
    return True


def _wait_no_writer(home: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while holder(home) is not None:
        assert time.monotonic() < deadline, "the writer lock was never released"
        time.sleep(0.02)


def _wait(condition: Callable[[], bool], proc: subprocess.Popen[bytes], timeout: float = 180) -> bool:
    """True once the condition holds; False if the process ended first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if proc.poll() is not None:
            return condition()
        time.sleep(0.02)
    raise AssertionError("the importer neither progressed nor ended")


def _wait_for_writer(home: Path, proc: subprocess.Popen[bytes]) -> bool:
    return _wait(lambda: _writer_pid(home) == proc.pid, proc)


def _wait_for_mark(home: Path, t0: float, proc: subprocess.Popen[bytes]) -> bool:
    """Until this run has written its first file record (marked a file `indexing` or embedded)."""
    return _wait(lambda: _marked_since(home, t0), proc)


def _run_to_end(home: Path, corpus: Path) -> dict[str, float]:
    """A clean import, timed: lock → first file marked (start-up), then seconds per unit of work
    (a file's words or a file's vectors)."""
    t0 = time.time()
    proc = _start(home, str(corpus))
    assert _wait_for_writer(home, proc)
    locked = time.monotonic()
    assert _wait_for_mark(home, t0, proc)
    marked = time.monotonic()
    assert proc.wait(timeout=300) == 0
    units = _indexed(home) + _embedded(home)
    return {"startup_s": marked - locked, "unit_s": (time.monotonic() - marked) / units}


# Reading a library without changing it -------------------------------------------------------------


def _query(home: Path, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    try:
        with sqlite3.connect(f"file:{home / 'catalog.sqlite3'}?mode=ro", uri=True, timeout=5) as db:
            return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # not created yet
        return []


def _writer_pid(home: Path) -> int | None:
    return (holder(home) or {}).get("pid") if home.exists() else None


def _marked_since(home: Path, t0: float) -> bool:
    return bool(_query(home, "SELECT 1 FROM files WHERE updated_at >= ? LIMIT 1", (t0,)))


def _indexed(home: Path) -> int:
    rows = _query(home, "SELECT count(*) FROM files WHERE state = 'indexed'")
    return int(str(rows[0][0])) if rows else 0


def _embedded(home: Path) -> int:
    rows = _query(home, "SELECT count(*) FROM files WHERE state = 'indexed' AND embedded = 1")
    return int(str(rows[0][0])) if rows else 0


def _pending(home: Path) -> bool:
    return bool(_query(home, "SELECT 1 FROM pending_imports"))


def _files(home: Path) -> list[tuple[object, ...]]:
    columns = "path, kind, size, sha256, state, pages, chunks, error"
    return _query(home, f"SELECT {columns} FROM files ORDER BY path")


def _chunks(home: Path) -> list[tuple[object, ...]]:
    return _query(home, "SELECT id, path, idx, text, page, slide, heading FROM chunks ORDER BY id")


def _chunk_ids_by_path(home: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for chunk_id, path in _query(home, "SELECT id, path FROM chunks"):
        found.setdefault(str(path), set()).add(str(chunk_id))
    return found


def _store_ids(home: Path, path: str | None = None) -> set[str]:
    from quire.config import EMBEDDER_NAME
    from quire.search.stores.chroma import ChromaStore

    store = ChromaStore(home / "chroma", EMBEDDER_NAME, 384)
    try:
        if path is None:
            return store.ids()
        return set(store._collection.get(where={"path": path}, include=[])["ids"])
    finally:
        store.close()


def _landed(home: Path, ref_ids: dict[str, set[str]], t0: float) -> str:
    """Where the kill caught the importer, read from what it left behind."""
    rows = _query(home, "SELECT path FROM files WHERE state = 'indexing'")
    if rows:  # the words pass, mid-file
        held = _store_ids(home, str(rows[0][0]))
        return "words: marked, old vectors not yet dropped" if held else "words: marked, chunks not yet in"
    waiting = [str(r[0]) for r in _query(home, "SELECT path FROM files WHERE state='indexed' AND embedded=0")]
    for path in waiting:
        held = _store_ids(home, path)
        if held and held < ref_ids[path]:
            return "vectors: inside the store upsert (half written)"
        if held == ref_ids[path]:
            return "vectors: written, file not yet marked embedded"
    if waiting:
        return "vectors: between files (words searchable, vectors waiting)"
    return "reading" if _marked_since(home, t0) else "start-up (reconcile, model, plan)"


def _library(home: Path) -> dict[str, object]:
    from quire.config import Settings
    from quire.core import Quire

    quire = Quire(Settings.load(home))
    consistency = quire.status(providers=False)["consistency"]
    hits = {q: [(h.path, h.page, h.slide, h.text) for h in quire.search(q, 4)] for q in QUERIES}
    store = quire.store_choice.local
    ids = store.ids()  # type: ignore[attr-defined]
    result = {"store_ids": ids, "store_count": store.count(), "consistency": consistency, "hits": hits}
    quire._close_store()
    quire.catalog.close()
    return result


def _corpus(folder: Path) -> Path:
    """Twelve notes of two to four chunks with their own facts, and a three-page PDF."""
    folder.mkdir(parents=True)
    rng = random.Random(7)
    for n, topic in enumerate(TOPICS):
        paragraphs = [
            f"{topic.title()} log, entry {p}. The {topic} group measured {rng.randrange(100, 999)} units "
            f"on day {p}. "
            + " ".join(
                f"Observation {s} about the {topic} was recorded carefully."
                for s in range(rng.randrange(8, 16))
            )
            for p in range(2 + n % 3)
        ]
        (folder / f"{n:02}-{topic.replace(' ', '-')}.md").write_text(
            f"# {topic.title()}\n\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8"
        )
    bees = folder / "00-beekeeping.md"
    bees.write_text(bees.read_text(encoding="utf-8") + "\nThe hives gave 38 kg of honey.\n", encoding="utf-8")
    make_pdf(
        folder / "river.pdf",
        [f"River page {p}: measurement of river silt at site {p}. " * 12 for p in range(1, 4)],
    )
    return folder


def test_reconcile_repairs_what_a_crash_outside_an_import_leaves(tmp_path: Path) -> None:
    """Vectors lost (a removal killed between store and catalog), an orphan, a file left `indexing`:
    the next import's reconcile brings catalog and store back into agreement."""
    import numpy as np

    from quire.config import Settings
    from quire.core import Quire

    notes = tmp_path / "notes"
    notes.mkdir()
    for n, topic in enumerate(TOPICS[:3]):
        (notes / f"{topic}.md").write_text(f"# {topic}\n\n" + f"All about the {topic}, part {n}. " * 60)
    quire = Quire(Settings.load(tmp_path / "home"))
    quire.ingest([notes])
    store, catalog = quire.store_choice.local, quire.catalog
    before = catalog.all_chunk_ids()
    lost = catalog.chunk_ids(str(notes / "glacier.md"))[:2]
    store.delete_ids(lost)  # type: ignore[attr-defined]
    store.upsert(["orphan-0"], np.ones((1, 384), dtype=np.float32), [str(notes / "gone.md")])
    record = catalog.file(str(notes / "violin.md"))
    assert record is not None
    catalog.mark(record.path, kind="note", size=1, mtime_ns=1, sha256="0" * 64, state="indexing")
    found = quire.consistency()
    assert found is not None and (found.orphans, found.missing, found.indexing) == (1, 2, 1)

    quire.catalog.clear_pending_imports()
    summary = quire.ingest([])  # no paths: reconcile, then the re-scan/pending import redoes violin.md
    after = quire.consistency()
    assert after is not None and after.ok, after
    assert catalog.all_chunk_ids() == before and store.ids() == set(before)  # type: ignore[attr-defined]
    assert summary.added + summary.updated == 1
