"""Library folders: imported folders are remembered, `quire ingest` alone re-scans them (new,
changed and deleted files), changes made during an import are caught by the next refresh, and
`quire remove` forgets a folder. Real files, the real embedder and Chroma."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from quire.cli import main as cli_main
from quire.config import Settings
from quire.core import Quire
from quire.library.catalog import Catalog


def _note(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {path.stem}\n\n{text}\n", encoding="utf-8")
    return path


def _indexed(quire: Quire) -> dict[str, str]:
    """name → the first chunk's text, for every indexed file."""
    out = {}
    for record in quire.catalog.files():
        if record.state == "indexed":
            ids = quire.catalog.chunk_ids(record.path)
            out[Path(record.path).name] = quire.catalog.chunks_by_id(ids[:1])[ids[0]].text
    return out


def _top(quire: Quire, query: str) -> str:
    return Path(quire.search(query, k=1)[0].path).name


def test_folder_is_remembered_and_refresh_follows_its_files(tmp_path: Path, quire_home: Path) -> None:
    notes = tmp_path / "notes"
    otters = _note(notes / "otters.md", "Otters hold hands while they sleep in the kelp.")
    kiln = _note(notes / "deep" / "kiln.md", "The pottery kiln fires at 1240 degrees on Thursdays.")
    single = _note(tmp_path / "loose.md", "A loose note about the bicycle's brake pads.")
    (notes / "broken.pdf").write_bytes(b"%PDF-1.4 not really a PDF\n" * 20)
    quire = Quire(Settings.load(quire_home))
    first = quire.ingest([notes, single])
    assert first.added == 3 and [Path(f.path).name for f in first.failed] == ["broken.pdf"]
    assert not quire.folder_changes()  # a failed file is not retried until it changes
    assert quire.folders() == [str(notes)]  # folders only; a file named alone is not a folder
    quire.ingest([notes / "deep"])  # inside a library folder: already covered
    assert quire.folders() == [str(notes)]

    comet = _note(notes / "comet.md", "Halley's comet returns in the summer of 2061.")
    otters.write_text("# otters\n\nSea otters keep a favourite stone in a pouch under the arm.\n")
    kiln.unlink()
    single.write_text("# loose\n\nChanged, but not in a library folder.\n")
    changes = quire.folder_changes()  # the stat-only look the app takes before refreshing
    assert (changes.new, changes.changed, changes.gone) == ([str(comet)], [str(otters)], [str(kiln)])
    summary = quire.refresh()
    assert (summary.added, summary.updated, summary.removed) == (1, 1, 1)
    assert not quire.folder_changes()
    indexed = _indexed(quire)
    assert set(indexed) == {"otters.md", "comet.md", "loose.md"}
    assert "favourite stone" in indexed["otters.md"]
    assert "brake pads" in indexed["loose.md"]  # only library folders are re-scanned
    assert _top(quire, "when does the comet come back") == "comet.md"
    assert all(Path(h.path).name != "kiln.md" for h in quire.search("pottery kiln temperature", k=5))
    assert quire.catalog.counts()["chunks"] == quire.store.count()

    again = quire.refresh()  # nothing changed: nothing read, not even the file that failed
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 3)
    assert again.failed == [] and summary.failed == []
    retried = quire.ingest([notes / "broken.pdf"])  # named by the user: read again
    assert [Path(f.path).name for f in retried.failed] == ["broken.pdf"]


def test_changes_made_during_an_import_are_picked_up_by_the_next_refresh(
    tmp_path: Path, quire_home: Path
) -> None:
    notes = tmp_path / "notes"
    paths = [_note(notes / f"n{n}.md", f"Entry {n} of the harbour log: {n} boats came in.") for n in range(4)]
    quire = Quire(Settings.load(quire_home))
    done: list[str] = []

    def meddle(event: Any) -> None:
        """Once the first file is indexed: change it, delete the last one and add a new one."""
        if event.stage != "indexed" or done:
            return
        done.append(event.path)
        Path(event.path).write_text("# rewritten\n\nThe lighthouse lamp was replaced with an LED array.\n")
        paths[-1].unlink()
        _note(notes / "late.md", "A late arrival: the ferry timetable for winter.")

    first = quire.ingest([notes], progress=meddle)
    changed, deleted = Path(done[0]), paths[-1]
    assert changed == paths[0] and not first.cancelled
    stale = _indexed(quire)
    assert "late.md" not in stale and "LED array" not in stale[changed.name]  # the import missed them

    summary = quire.refresh()
    assert summary.added == 1 and summary.updated == 1 and not summary.failed
    indexed = _indexed(quire)
    assert set(indexed) == {p.name for p in paths if p != deleted} | {"late.md"}
    assert "LED array" in indexed[changed.name]
    assert _top(quire, "ferry timetable in winter") == "late.md"
    assert _top(quire, "lighthouse lamp replaced") == changed.name
    assert quire.catalog.counts()["chunks"] == quire.store.count()
    assert not quire.pending_imports()


def test_cli_refresh_status_and_remove(
    tmp_path: Path, quire_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes"
    _note(notes / "a.md", "Alpha note about walruses.")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli_main(["ingest", str(notes), str(empty), "--json"]) == 0
    capsys.readouterr()
    assert cli_main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["folders"] == [str(empty), str(notes)]

    _note(notes / "b.md", "Beta note about narwhals.")
    assert cli_main(["ingest", "--json"]) == 0  # no paths: refresh the library folders
    assert json.loads(capsys.readouterr().out)["added"] == 1
    assert cli_main(["remove", str(notes / "b.md")]) == 0
    assert "refreshes leave them out" in capsys.readouterr().err
    assert cli_main(["ingest", "--json"]) == 0  # ...and a refresh leaves it out
    assert json.loads(capsys.readouterr().out)["added"] == 0
    assert cli_main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["excluded"] == [str(notes / "b.md")]
    assert cli_main(["ingest", str(notes / "b.md"), "--json"]) == 0  # named: it is back
    assert json.loads(capsys.readouterr().out)["added"] == 1
    assert cli_main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["excluded"] == []

    assert cli_main(["remove", str(notes)]) == 0
    out = capsys.readouterr().out
    assert f"removed {notes / 'a.md'}" in out and f"removed {notes}\n" in out
    assert cli_main(["remove", str(empty)]) == 0  # an empty library folder is still something to forget
    assert capsys.readouterr().out == f"removed {empty}\n"
    assert cli_main(["status", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["folders"] == [] and status["documents"] == 0
    _note(notes / "c.md", "Gamma.")
    assert cli_main(["ingest"]) == 2  # nothing left to refresh
    assert "nothing to import" in capsys.readouterr().err


def test_a_missing_library_folder_keeps_its_files_and_says_so(tmp_path: Path, quire_home: Path) -> None:
    drive = tmp_path / "usb"
    _note(drive / "trip.md", "The trip to the fjords starts in May.")
    quire = Quire(Settings.load(quire_home))
    quire.ingest([drive])
    drive.rename(tmp_path / "unplugged")
    summary = quire.refresh()
    assert summary.removed == 0
    assert [(f.path, "missing" in f.error) for f in summary.failed] == [(str(drive), True)]
    assert "trip.md" in _indexed(quire)


def test_catalogs_from_before_library_folders_gain_the_table(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    with sqlite3.connect(path) as db:  # schema 1 as it was shipped, with one file in it
        db.executescript(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
            "INSERT INTO meta VALUES ('schema_version', '1');"
            "CREATE TABLE pending_imports (path TEXT PRIMARY KEY);"
        )
    catalog = Catalog(path)
    assert catalog.folders() == []
    catalog.add_folder("/data/notes")
    catalog.add_folder("/data/notes/sub")
    catalog.add_folder("/data/notes-2")
    assert catalog.folders() == ["/data/notes", "/data/notes-2"]
    catalog.add_folder("/data")  # a parent takes over the library folders inside it
    assert catalog.folders() == ["/data"]
    assert catalog.library_folder_of("/data/notes/x.md") == "/data"
    assert catalog.forget_folders(under="/data") == ["/data"] and catalog.folders() == []
