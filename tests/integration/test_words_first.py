"""Words first, vectors after: a file answers by its words as soon as it is read; its vectors follow
in a background pass (in the same import, or a detached one after `--no-wait`) that hybrid search
reports coverage of, that never loses or duplicates a vector, and that gives way to a user's import."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from helpers import QUIRE, run_cli
from quire.config import Settings
from quire.core import Quire
from quire.library.catalog import Catalog
from quire.library.ingest import IngestOptions, Ingestor
from quire.library.lock import holder
from quire.library.vectors import VectorPass

TOPICS = {
    "orchard": "The orchard gave 410 crates of apples after the late frost spared the blossom.",
    "lighthouse": "The lighthouse lamp was converted to LED and its range grew to 22 nautical miles.",
    "sourdough": "Feed the sourdough starter twice a day with equal weights of flour and water.",
    "tramway": "The tramway reopened after the rails on the bridge section were replaced in May.",
}


def _notes(folder: Path, topics: dict[str, str] = TOPICS, repeat: int = 1) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in topics.items():
        body = "\n\n".join(f"{text} Entry {n} on the {name}." for n in range(repeat))
        (folder / f"{name}.md").write_text(f"# {name.title()}\n\n{body}\n", encoding="utf-8")
    return folder


def _env(home: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "QUIRE_HOME": str(home), **extra}


def _status(home: Path) -> dict[str, Any]:
    done = run_cli("status", "--json", env=_env(home))
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _wait_for(condition: Any, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_words_are_searchable_before_vectors_and_search_says_how_far_meaning_reaches(
    tmp_path: Path, quire_home: Path
) -> None:
    notes = _notes(tmp_path / "notes")
    quire = Quire(Settings.load(quire_home))
    summary = quire.ingest([notes], wait=False)
    assert (summary.added, summary.embedded, summary.pending_embedding) == (4, 0, 4)
    assert quire.coverage() == {"documents": 4, "embedded": 0}
    status = quire.status(providers=False)
    assert (status["embedded"], status["pending_embedding"]) == (0, 4)
    assert status["consistency"]["ok"] and status["consistency"]["pending"] == summary.chunks
    assert quire.store.count() == 0  # no vector yet, and no model needed to find words

    hits = quire.search("crates of apples", 2)
    assert hits and hits[0].path.endswith("orchard.md")
    # a paraphrase that shares no telling word finds nothing by words alone...
    assert not any(h.path.endswith("lighthouse.md") for h in quire.search("beacon brightness at sea", 4))

    made = quire.embed_pending()
    assert (made.embedded, made.pending, made.error) == (4, 0, None)
    assert quire.coverage() == {"documents": 4, "embedded": 4}
    assert quire.store.count() == summary.chunks == quire.catalog.counts()["embedded_chunks"]
    # ...and by meaning once the vectors are in
    assert quire.search("beacon brightness at sea", 1)[0].path.endswith("lighthouse.md")
    consistency = quire.consistency()
    assert consistency is not None and consistency.ok and consistency.pending == 0


def test_hybrid_search_mixes_embedded_files_and_words_only_files(tmp_path: Path, quire_home: Path) -> None:
    quire = Quire(Settings.load(quire_home))
    quire.ingest([_notes(tmp_path / "first", {k: TOPICS[k] for k in ("orchard", "lighthouse")})])
    quire.ingest([_notes(tmp_path / "second", {k: TOPICS[k] for k in ("sourdough", "tramway")})], wait=False)
    assert quire.coverage() == {"documents": 4, "embedded": 2}
    by_meaning = quire.search("beacon brightness at sea", 4)
    assert by_meaning[0].path.endswith("lighthouse.md")  # an embedded file, found by meaning
    by_words = quire.search("rails on the bridge", 4)
    assert by_words[0].path.endswith("tramway.md")  # a words-only file, found by its words
    records = {Path(r.path).name: r.embedded for r in quire.catalog.files()}
    assert records == {"orchard.md": True, "lighthouse.md": True, "sourdough.md": False, "tramway.md": False}


def test_a_file_changed_while_its_vectors_are_made_leaves_no_stale_vector(
    tmp_path: Path, quire_home: Path
) -> None:
    """The old version's vectors are being computed when the file is re-imported: they must not
    land after the words pass dropped that version (no orphans), and the new version gets its own.
    The two passes run as an import runs them, sharing one write lock."""
    notes = _notes(tmp_path / "notes", {"orchard": TOPICS["orchard"]}, repeat=3)
    quire = Quire(Settings.load(quire_home))
    catalog, store, lock = quire.catalog, quire.store_choice.local, threading.Lock()
    words = Ingestor(catalog, store, IngestOptions(), lock)
    words.run([notes])
    old_ids = set(catalog.chunk_ids(str(notes / "orchard.md")))

    class ReimportMidway:
        """The real embedder; while it embeds the old version, the file changes and is re-read."""

        done = False

        def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
            vectors = quire.embedder.encode(texts, batch_size)
            if not self.done:
                self.done = True
                changed = "# Orchard\n\nA new harvest: 95 crates.\n"
                (notes / "orchard.md").write_text(changed, encoding="utf-8")
                assert words.run([notes]).updated == 1
            return vectors

    made = VectorPass(catalog, store, ReimportMidway(), lock).run()  # type: ignore[arg-type]
    assert made.error is None
    new_ids = set(catalog.chunk_ids(str(notes / "orchard.md")))
    assert new_ids and not new_ids & old_ids
    assert not store.ids() & old_ids, "vectors of the replaced version were stored"  # type: ignore[attr-defined]
    assert made.embedded == 1 and made.pending == 0  # the new version, in the same pass
    assert store.ids() == new_ids  # type: ignore[attr-defined]
    consistency = quire.consistency()
    assert consistency is not None and consistency.ok


def test_cli_no_wait_returns_after_the_words_and_a_detached_pass_embeds(tmp_path: Path) -> None:
    home = tmp_path / "home"
    notes = _notes(tmp_path / "notes", repeat=8)
    done = run_cli("ingest", "--no-wait", "--json", str(notes), env=_env(home))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["added"] == 4 and summary["pending_embedding"] == 4 and summary["vectors_pid"]
    # searching never waits for the pass: by words at once, with the coverage said
    found = run_cli("search", "crates of apples", "--json", env=_env(home))
    assert found.returncode == 0, found.stderr
    result = json.loads(found.stdout)
    assert result["hits"][0]["path"].endswith("orchard.md")
    assert result["coverage"]["documents"] == 4
    _wait_for(lambda: _status(home)["pending_embedding"] == 0)
    _wait_for(lambda: holder(home) is None)
    status = _status(home)
    assert status["embedded"] == 4 and status["consistency"]["ok"], status
    text = run_cli("search", "beacon brightness at sea", env=_env(home))
    assert "lighthouse.md" in text.stdout.splitlines()[0] and "meaning search yet" not in text.stdout


def test_an_import_asks_the_background_pass_to_give_way_and_finishes_its_work(tmp_path: Path) -> None:
    home = tmp_path / "home"
    many = {f"{name}{n}": f"{text} Copy {n}." for n in range(6) for name, text in TOPICS.items()}
    first = _notes(tmp_path / "first", many, repeat=4)
    # slow vector writes so the background pass is still at work when the next import starts
    slow = _env(home, QUIRE_INGEST__WRITE_PAUSE_S="0.3")
    done = run_cli("ingest", "--no-wait", "--json", str(first), env=slow)
    assert done.returncode == 0, done.stderr
    pid = json.loads(done.stdout)["vectors_pid"]
    _wait_for(lambda: (holder(home) or {}).get("pid") == pid)
    assert (holder(home) or {}).get("yields") is True
    second = _notes(tmp_path / "second", {"harbour": "The harbour crane lifted 80 tonnes."})
    started = time.monotonic()
    again = run_cli("ingest", "--json", str(second), env=_env(home))  # waits for both passes
    assert again.returncode == 0, again.stderr
    assert time.monotonic() - started < 120
    summary = json.loads(again.stdout)
    assert summary["added"] == 1 and summary["pending_embedding"] == 0
    status = _status(home)
    assert status["documents"] == len(many) + 1 == status["embedded"] and status["consistency"]["ok"]
    assert not (home / "writer.yield").exists()


def test_a_catalog_from_before_embedding_state_reads_as_embedded(tmp_path: Path) -> None:
    """An older Quire's catalog gets the column on open, every indexed file counted as embedded
    (it wrote vectors before marking files indexed); read-only, a view gives it the same."""
    path = tmp_path / "old" / "catalog.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:
        db.executescript(
            """CREATE TABLE files (path TEXT PRIMARY KEY, kind TEXT NOT NULL, size INTEGER NOT NULL,
               mtime_ns INTEGER NOT NULL, sha256 TEXT NOT NULL, state TEXT NOT NULL, pages INTEGER NOT NULL
               DEFAULT 0, chunks INTEGER NOT NULL DEFAULT 0, error TEXT, updated_at REAL NOT NULL);
               INSERT INTO files VALUES ('/a.md', 'note', 1, 1, 'x', 'indexed', 1, 0, NULL, 0);"""
        )
    copy = tmp_path / "readonly"
    copy.mkdir()
    (copy / "catalog.sqlite3").write_bytes(path.read_bytes())
    catalog = Catalog(path)
    record = catalog.file("/a.md")
    assert record is not None and record.embedded
    assert catalog.counts()["embedded"] == 1 and catalog.counts()["pending_embedding"] == 0
    catalog.close()
    if os.geteuid() == 0:
        pytest.skip("root ignores file modes: a read-only folder cannot be made here")
    os.chmod(copy, 0o555)
    try:
        frozen = Catalog(copy / "catalog.sqlite3")
        assert frozen.read_only
        frozen_record = frozen.file("/a.md")
        assert frozen_record is not None and frozen_record.embedded and frozen.counts()["embedded"] == 1
    finally:
        os.chmod(copy, 0o755)


def test_quire_search_in_a_fresh_process_imports_no_chromadb(tmp_path: Path) -> None:
    """`quire search` reads the store through Chroma's native core, not the chromadb package (a
    second of imports), and finds what the full store finds."""
    home = tmp_path / "home"
    assert run_cli("ingest", str(_notes(tmp_path / "notes")), env=_env(home)).returncode == 0
    probe = (
        "import sys, json\n"
        "from quire.cli import main\n"
        "code = main(['search', 'beacon brightness at sea', '--json'])\n"
        "print(json.dumps(sorted(m for m in sys.modules if m == 'chromadb' or m.startswith('chromadb.'))))\n"
    )
    python = str(QUIRE.parent / "python")
    done = subprocess.run([python, "-c", probe], capture_output=True, text=True, env=_env(home), timeout=120)
    assert done.returncode == 0, done.stderr
    *result, modules = done.stdout.strip().splitlines()
    assert json.loads(modules) == []
    fast = [h["path"] for h in json.loads("\n".join(result))["hits"]]
    quire = Quire(Settings.load(home))
    quire.store_choice  # noqa: B018 - the full chromadb store, as a writer opens it
    assert [h.path for h in quire.search("beacon brightness at sea")] == fast
