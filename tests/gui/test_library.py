"""The library panel: drops import, bad files say why, cancel stops, an interrupted import resumes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtTest import QTest


def drop(window: Any, paths: list[Path]) -> None:
    """What the window gets when files are dragged onto it from a file manager."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(200, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)
    assert event.isAccepted()


def test_dropping_files_imports_them_and_bad_ones_say_why(
    qtbot: Any, open_window: Any, home: Path, gui_corpus: dict[str, Path], tmp_path: Path
) -> None:
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 this is not really a PDF at all\n" * 20)
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ\x90\x00")
    window = open_window(home)
    assert window.library.stack.currentIndex() == 0  # the empty library shows the drop target

    drop(window, [gui_corpus["pdf"].parent, broken, program])
    assert window.library.is_importing()
    assert window.library.progress_row.isVisible()
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=60_000)
    # the list is re-read from the catalog in a worker once the import ends
    qtbot.waitUntil(lambda: not any(r[0].startswith("indexing") for r in window.library.rows().values()))

    rows = window.library.rows()
    quire = window.quire
    for record in quire.catalog.files():
        if record.state == "indexed":
            name = Path(record.path).name
            assert rows[name][0] == "indexed"
            assert rows[name][2] == str(record.chunks) and record.chunks > 0
    assert {"report.pdf", "deck.pptx", "garden.md", "recipe.txt"} <= {
        name for name, row in rows.items() if row[0] == "indexed"
    }
    assert rows["report.pdf"][1] == "4"  # pages
    assert rows["broken.pdf"][0].startswith("failed: ")
    assert len(rows["broken.pdf"][0]) > len("failed: ") + 5  # a reason, not just "failed"
    assert rows["setup.exe"][0].startswith("failed: ")
    assert window.library.notice_box.isVisible()
    notice = window.library.notice.text()
    assert "setup.exe" in notice and "broken.pdf" in notice
    assert not window.library.progress_row.isVisible()
    assert "4 documents" in window.library.counts.text()

    # Retry a failed row: it is imported again and fails again, with the same reason shown.
    window.library.select_path(str(broken))
    assert window.library.retry_button.isEnabled()
    window.library.retry_selected()
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    assert window.library.rows()["broken.pdf"][0] == rows["broken.pdf"][0]
    window.library.select_path(str(broken))
    assert window.library.detail.isVisible() and "broken.pdf: " in window.library.detail.text()


def test_filter_focus_shortcut_and_remove(qtbot: Any, open_window: Any, library_copy: Path) -> None:
    window = open_window(library_copy)
    assert window.library.stack.currentIndex() == 1
    QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert window.library.search.hasFocus()
    qtbot.keyClicks(window.library.search, "report")
    assert list(window.library.rows()) == ["report.pdf"]
    window.library.search.clear()
    assert len(window.library.rows()) == 4

    report = next(r.path for r in window.quire.catalog.files() if r.path.endswith("report.pdf"))
    window.library.undo_ms = 100
    window.library.select_path(report)
    QTest.keyClick(window.library.tree, Qt.Key.Key_Delete)
    assert "report.pdf" not in window.library.rows()
    qtbot.waitUntil(lambda: window.quire.catalog.file(report) is None, timeout=10_000)
    assert all(hit.path != report for hit in window.quire.search("puffins on the cliffs"))


def _notes(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"note-{n:03d}.md"
        words = " ".join(f"topic{n}-{i} lighthouse keeper log entry number {i}" for i in range(15))
        path.write_text(f"# Note {n}\n\n{words}\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_closing_during_an_import_asks_and_the_next_start_resumes(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    notes = _notes(tmp_path / "many", 16)
    window = open_window(home)
    events: list[Any] = []
    window.library.import_paths([notes[0].parent])
    window.library.worker.progress.connect(events.append)
    qtbot.waitUntil(lambda: any(e.stage == "indexed" for e in events), timeout=30_000)

    # Closing during an import asks first; "no" keeps the window open.
    asked: list[bool] = []
    window.confirm_close = lambda: asked.append(True) or False
    window.close()
    assert asked and window.isVisible() and window.library.is_importing()
    window.confirm_close = lambda: True
    window.close()
    assert not window.isVisible()
    assert not window.library.is_importing()
    assert window.quire.pending_imports()  # a quit is not a Cancel: the rest is kept for later

    # The next start picks the interrupted import up by itself and finishes it.
    again = open_window(home)
    qtbot.waitUntil(
        lambda: (
            sum(1 for r in again.quire.catalog.files() if r.state == "indexed") == 16
            and not again.library.is_importing()
        ),
        timeout=60_000,
    )
    assert not again.quire.pending_imports()
    qtbot.waitUntil(lambda: len(again.library.rows()) == 16, timeout=10_000)  # the list is re-read
