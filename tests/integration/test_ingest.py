"""The import pipeline with the real embedder and Chroma: counts, idempotence, changes,
removal, bad files among good ones, and the JSON summary of the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from fixtures import make_corpus, make_pdf
from helpers import run_cli
from quire.cli import main as cli_main
from quire.config import Settings
from quire.core import Quire
from quire.errors import LoaderError
from quire.library.reader_process import ReaderProcess


def _chunk_counts(quire: Quire) -> tuple[int, int]:
    return quire.catalog.counts()["chunks"], quire.store.count()


def test_reimport_is_free_and_change_replaces_chunks(tmp_path: Path, quire_home: Path) -> None:
    files = make_corpus(tmp_path / "docs")
    quire = Quire(Settings.load(quire_home))
    first = quire.ingest([tmp_path / "docs"])
    assert (first.added, first.updated, first.unchanged, first.failed) == (4, 0, 0, [])
    assert first.pages == 4 + 3
    catalog_chunks, store_chunks = _chunk_counts(quire)
    assert catalog_chunks == store_chunks == first.chunks

    again = quire.ingest([tmp_path / "docs"])
    assert (again.added, again.updated, again.unchanged, again.chunks) == (0, 0, 4, 0)
    assert _chunk_counts(quire) == (catalog_chunks, store_chunks)

    os.utime(files["txt"])  # touched, same bytes: still unchanged, found by hash
    assert quire.ingest([tmp_path / "docs"]).unchanged == 4

    make_pdf(files["pdf"], ["A single new page about glacier measurements."])
    changed = quire.ingest([tmp_path / "docs"])
    assert (changed.updated, changed.unchanged) == (1, 3)
    assert quire.catalog.file(str(files["pdf"])).chunks == 1
    assert quire.catalog.counts()["chunks"] == quire.store.count()
    assert "puffins" not in " ".join(h.text for h in quire.search("puffins nesting", k=10))

    files["md"].unlink()
    gone = quire.ingest([tmp_path / "docs"])
    assert gone.removed == 1 and quire.catalog.file(str(files["md"])) is None
    assert quire.catalog.counts()["chunks"] == quire.store.count()

    assert quire.remove([files["pptx"]]) == [str(files["pptx"])]
    assert quire.catalog.counts()["documents"] == 2
    assert quire.catalog.counts()["chunks"] == quire.store.count()


def test_bad_files_fail_alone_and_cli_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    docs = tmp_path / "mixed"
    docs.mkdir()
    make_pdf(docs / "good.pdf", ["The ferry leaves at seven."])
    (docs / "empty.pdf").write_bytes(b"")
    (docs / "fake.pptx").write_bytes(b"not a zip")
    (docs / "binary.md").write_bytes(bytes(range(256)) * 10)
    (docs / "photo.png").write_bytes(b"\x89PNG")  # a PNG signature and nothing after it
    (docs / "clip.mov").write_bytes(b"\x00\x00\x00\x14ftypqt  ")
    (docs / ".hidden.md").write_text("ignored")
    with open(docs / "huge.txt", "wb") as handle:  # sparse: 201 MB on paper, nothing on disk
        handle.truncate(201 * 1024 * 1024)

    code = cli_main(["ingest", str(docs), "--json"])
    out, err = capsys.readouterr()
    summary = json.loads(out)
    assert code == 1
    assert summary["added"] == 1 and summary["chunks"] >= 1
    reasons = {Path(f["path"]).name: f["error"] for f in summary["failed"]}
    assert set(reasons) == {"empty.pdf", "fake.pptx", "binary.md", "huge.txt", "photo.png"}
    assert reasons["photo.png"].startswith("not a readable image")
    assert "over the 200 MB limit" in reasons["huge.txt"]
    assert "not a valid .pptx" in reasons["fake.pptx"]
    assert [Path(s["path"]).name for s in summary["skipped"]] == ["clip.mov"]
    assert f"{docs / 'fake.pptx'}: not a valid .pptx" in err
    for key in ("added", "updated", "unchanged", "removed", "chunks", "failed", "seconds"):
        assert key in summary


def test_missing_path_and_unsupported_file_named_explicitly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "slides.key").write_bytes(b"keynote")
    code = cli_main(["ingest", str(tmp_path / "nope"), str(tmp_path / "slides.key"), "--json"])
    failed = {Path(f["path"]).name: f["error"] for f in json.loads(capsys.readouterr().out)["failed"]}
    assert code == 1
    assert failed == {
        "nope": "no such file or folder",
        "slides.key": ".key skipped: Keynote; export it as .pptx or PDF",
    }


def test_unreadable_file_fails_with_permission_denied(tmp_path: Path) -> None:
    docs = tmp_path / "perm"
    docs.mkdir()
    (docs / "open.md").write_text("# Open\nreadable note about otters")
    locked = docs / "locked.md"
    locked.write_text("# Locked\nsecret note")
    locked.chmod(0)
    prefix: tuple[str, ...] = ()
    if os.geteuid() == 0:  # root reads anything: import without the capability that allows it
        if not shutil.which("setpriv"):
            pytest.fail("tests run as root need setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
        os.chown(locked, 65534, 65534)
        caps = "-dac_override,-dac_read_search"
        prefix = ("setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}")
    result = run_cli("ingest", str(docs), "--json", prefix=prefix)
    summary = json.loads(result.stdout)
    assert result.returncode == 1, result.stderr
    assert summary["added"] == 1
    assert [(Path(f["path"]).name, f["error"]) for f in summary["failed"]] == [
        ("locked.md", "permission denied")
    ]
    assert f"{locked}: permission denied" in result.stderr


def test_reader_process_stops_a_slow_file_and_goes_on(tmp_path: Path) -> None:
    big = make_pdf(tmp_path / "big.pdf", [f"page {n} " + "words " * 200 for n in range(60)])
    note = tmp_path / "after.md"
    note.write_text("# After\nstill read")
    reader = ReaderProcess()
    try:
        reader.submit(str(big))
        reader.submit(str(note))
        with pytest.raises(LoaderError, match="took over"):
            reader.result(timeout=0.001)
        assert reader.result(timeout=60).sections[0].heading == "After"
    finally:
        reader.close()


def test_search_while_an_import_runs(tmp_path: Path, quire_home: Path) -> None:
    """Questions can be asked during an import: they see the files committed so far."""
    import threading

    docs = tmp_path / "growing"
    docs.mkdir()
    for n in range(8):
        make_pdf(docs / f"log{n}.pdf", [f"Logbook {n}: the keeper saw {n} seals " * 30] * 3)
    quire = Quire(Settings.load(quire_home))
    quire.ingest([make_corpus(tmp_path / "base")["pdf"]])
    done = threading.Event()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            quire.ingest([docs])
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            done.set()

    threading.Thread(target=run).start()
    searches = 0
    while not done.is_set():
        hits = quire.search("puffins nesting", k=3)
        assert hits and Path(hits[0].path).name == "report.pdf"
        searches += 1
    assert not errors and searches >= 2
    assert quire.catalog.counts()["documents"] == 9
