"""Watched library folders: files added, deleted or rewritten in an imported folder reach the
library list by themselves; changes made while an import runs are queued behind it, not lost;
the Library setting turns watching off and on. Real widgets, the real import worker."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any


def _note(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"# {path.stem}\n\n{text}\n", encoding="utf-8")
    return path


def _indexed(window: Any) -> set[str]:
    return {name for name, row in window.library.rows().items() if row[0] == "indexed"}


def _text(window: Any, path: Path) -> str:
    catalog = window.quire.catalog
    return " ".join(c.text for c in catalog.chunks_by_id(catalog.chunk_ids(str(path))).values())


def _settled(window: Any) -> bool:
    library = window.library
    return not library.is_importing() and not library.refresh_due


def _import(qtbot: Any, window: Any, folder: Path, names: set[str]) -> None:
    window.library.import_paths([folder])
    qtbot.waitUntil(lambda: _settled(window) and names <= _indexed(window), timeout=60_000)
    qtbot.waitUntil(lambda: str(folder) in window.folder_watch.watched(), timeout=10_000)


def test_files_added_and_deleted_in_a_library_folder_follow_by_themselves(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "notes"
    first = _note(folder / "first.md", "The allotment shed needs a new padlock.")
    window = open_window(home)
    _import(qtbot, window, folder, {"first.md"})

    _note(folder / "second.md", "Seals were seen basking on the sandbank at low tide.")
    _note(folder / "deep" / "third.md", "The choir rehearses the Vivaldi Gloria.")  # in a new subfolder
    qtbot.waitUntil(lambda: {"second.md", "third.md"} <= _indexed(window), timeout=30_000)
    assert Path(window.quire.search("seals on the sandbank", k=1)[0].path).name == "second.md"
    qtbot.waitUntil(lambda: str(folder / "deep") in window.folder_watch.watched(), timeout=10_000)

    first.unlink()
    qtbot.waitUntil(lambda: "first.md" not in window.library.rows(), timeout=30_000)
    assert window.quire.catalog.file(str(first)) is None
    assert not window.library.notice_box.isVisible()  # refreshes do their work quietly

    window.library.undo_ms = 100
    window.library.select_path(str(folder / "second.md"))  # removed here, it is still in the folder
    window.library.remove_selected()
    qtbot.waitUntil(lambda: window.quire.catalog.file(str(folder / "second.md")) is None, timeout=10_000)
    qtbot.waitUntil(lambda: "will stay out" in window.library.notice.text(), timeout=10_000)

    # Settings › Library: watching off stops it, on again catches up with what happened meanwhile.
    dialog = window.open_settings()
    dialog.fields["library.watch"].setChecked(False)
    dialog.save()
    assert window.folder_watch.watched() == []
    later = _note(folder / "later.md", "Written while nobody was watching.")
    qtbot.wait(3_000)  # longer than the quiet period a watched folder waits for
    assert "later.md" not in window.library.rows() and window.quire.catalog.file(str(later)) is None

    dialog = window.open_settings()
    assert not dialog.fields["library.watch"].isChecked()
    dialog.fields["library.watch"].setChecked(True)
    dialog.save()
    qtbot.waitUntil(lambda: "later.md" in _indexed(window), timeout=30_000)
    assert "second.md" not in _indexed(window)  # what the user removed stays out
    assert window.quire.settings.get("library.watch") is True


def test_changes_during_an_import_are_queued_behind_it_and_end_up_indexed(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "logbook"
    day0 = _note(folder / "day0.md", "Day 0: calm sea and eleven gulls on the breakwater.")
    day1 = _note(folder / "day1.md", "Day 1: fog until noon, the foghorn sounded twice.")
    window = open_window(home)
    _import(qtbot, window, folder, {"day0.md", "day1.md"})

    order: list[str] = []
    events: list[Any] = []
    looks: list[tuple[bool, bool]] = []  # (an import was running, the folders had changed)
    library = window.library
    library.import_started.connect(lambda: order.append("start"))
    library.import_started.connect(lambda: library.worker.progress.connect(events.append))
    library.import_finished.connect(lambda _summary: order.append("end"))
    window.folder_watch.looked.connect(lambda changes: looks.append((library.is_importing(), bool(changes))))
    window.quire.settings.set("ingest.write_pause_s", 0.4)  # each file takes ~1.6 s to write

    new = [_note(folder / f"new{n}.md", f"Visitor log {n}: a school group of {n + 20}.") for n in range(4)]
    qtbot.waitUntil(lambda: any(e.stage == "indexed" for e in events), timeout=30_000)
    assert library.is_importing() and library.background  # the watcher's refresh, under way
    for draft in range(3):  # saved a few times over, while the refresh runs
        day0.write_text(f"# day0\n\nDraft {draft}.\n")
        new[-1].write_text(f"# new3\n\nDraft {draft} of the last visitor entry.\n")
        qtbot.wait(150)
    _note(day0, "Final: the keeper logged a humpback whale off the point at dusk.")
    _note(new[-1], "Final: the last visitors were a birdwatching club from Leeds.")
    day1.unlink()
    assert library.is_importing()

    qtbot.waitUntil(
        lambda: _settled(window) and "whale" in _text(window, day0) and "Leeds" in _text(window, new[-1]),
        timeout=60_000,
    )
    expected = {"day0.md", "new0.md", "new1.md", "new2.md", "new3.md"}
    qtbot.waitUntil(lambda: _indexed(window) == expected, timeout=10_000)  # the list is re-read after
    assert (True, True) in looks  # the change was seen mid-import and queued, not started beside it
    assert order[:4] == ["start", "end", "start", "end"] and order == ["start", "end"] * (len(order) // 2)
    assert set(library.rows()) == expected  # day1.md left
    record = window.quire.catalog.file(str(day0))
    assert (record.size, record.mtime_ns) == (day0.stat().st_size, day0.stat().st_mtime_ns)
    assert Path(window.quire.search("humpback whale", k=1)[0].path).name == "day0.md"
    assert not library.notice_box.isVisible(), library.notice.text()
    assert window.quire.catalog.counts()["chunks"] == window.quire.store.count()


def test_closing_during_a_refresh_does_not_ask(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "quick"
    _note(folder / "a.md", "Apples.")
    window = open_window(home)
    _import(qtbot, window, folder, {"a.md"})
    window.quire.settings.set("ingest.write_pause_s", 0.5)
    _note(folder / "b.md", "Bananas.")
    qtbot.waitUntil(lambda: window.library.is_importing(), timeout=10_000)
    asked: list[bool] = []
    window.confirm_close = lambda: asked.append(True) or False
    started = time.monotonic()
    window.close()
    assert not asked and not window.isVisible() and not window.library.is_importing()
    assert time.monotonic() - started < 10
