"""The library list at scale: long names told apart, full paths in tooltips, sorting by name, date
and state, double-click opens, the context menu's actions; and the feedback around imports (the
drop zone lights up, skipped files are named at the drop, Reveal says why it cannot)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent
from PySide6.QtTest import QTest
from test_library import _notes

from quire.gui.library_list import DATE, NAME, STATE


def _long_names(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(1, 6):
        path = folder / f"features_steps_towards_the_quarterly_planning_review_draft_{n:02d}.md"
        path.write_text(f"# Draft {n}\n\nStep {n} of the plan: survey the harbour wall section {n}.\n")
        os.utime(path, (time.time() - n * 86400 * 40, time.time() - n * 86400 * 40))  # 40 days apart
        paths.append(path)
    return paths


def _import(qtbot: Any, window: Any, paths: list[Path]) -> None:
    window.library.import_paths(paths)
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=60_000)
    qtbot.waitUntil(lambda: len(window.library.rows()) >= len(paths), timeout=10_000)


def test_long_names_can_be_told_apart_and_sorted(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    paths = _long_names(tmp_path / "plans")
    window = open_window(home)
    window.resize(780, 700)
    _import(qtbot, window, [paths[0].parent])
    tree = window.library.tree
    header = tree.header()
    assert header.sectionSize(NAME) > max(header.sectionSize(c) for c in range(1, tree.columnCount()))
    assert header.sectionResizeMode(DATE) == header.ResizeMode.Interactive  # the user can resize it

    # Elided in the middle: the five rows still read differently at the width the name gets.
    metrics = tree.fontMetrics()
    width = header.sectionSize(NAME) - tree.iconSize().width() - 12
    shown = [metrics.elidedText(item.text(NAME), tree.textElideMode(), width) for item in tree.items()]
    assert tree.textElideMode() == Qt.TextElideMode.ElideMiddle
    assert len(set(shown)) == 5 and all("…" in text for text in shown), shown
    for item in tree.items():
        path = item.data(NAME, Qt.ItemDataRole.UserRole)
        assert item.toolTip(NAME).splitlines()[0] == path and Path(path).is_file()
        assert not item.icon(NAME).isNull()  # the file-type badge
        assert item.text(DATE) != "–"

    def names() -> list[str]:
        return [item.text(NAME)[-5:-3] for item in tree.items()]

    assert names() == ["01", "02", "03", "04", "05"]  # by name
    header.sectionClicked.emit(DATE)
    assert names() == ["01", "02", "03", "04", "05"]  # newest first (01 is the newest)
    tree.sort_by(DATE, Qt.SortOrder.AscendingOrder)
    assert names() == ["05", "04", "03", "02", "01"]  # oldest first
    header.sectionClicked.emit(NAME)
    header.sectionClicked.emit(NAME)
    assert names() == ["05", "04", "03", "02", "01"]  # by name, Z–A
    broken = paths[0].parent / "zz broken.pdf"
    broken.write_bytes(b"%PDF-1.4 not really\n" * 10)
    _import(qtbot, window, [broken])
    header.sectionClicked.emit(STATE)
    assert tree.items()[0].text(NAME) == "zz broken.pdf"  # failures first
    header.sectionClicked.emit(STATE)
    assert tree.items()[-1].text(NAME) == "zz broken.pdf"  # a second click: by name again


def test_double_click_opens_and_the_menu_offers_what_can_be_done(
    qtbot: Any, open_window: Any, library_copy: Path
) -> None:
    window = open_window(library_copy)
    tree = window.library.tree
    item = next(i for i in tree.items() if i.text(NAME) == "report.pdf")
    rect = tree.visualItemRect(item)
    # a double-click as the mouse makes it: a click, then the second press
    QTest.mouseClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    QTest.mouseDClick(tree.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: bool(window.viewers), timeout=5000)
    viewer = window.viewers[-1]
    assert viewer.windowTitle().startswith("report.pdf") and viewer.page_text() == "page 1 of 4"

    tree.select_path(item.data(NAME, Qt.ItemDataRole.UserRole))
    menu = window.library.context_menu()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:3] == ["Open", "Open with the Default App", "Reveal in File Manager"]
    assert "Re-index" in texts and "Remove" in texts
    assert any(t.startswith("Remove the Library Folder") for t in texts)  # report.pdf sits at its top
    note = next(i for i in tree.items() if i.text(NAME) == "garden.md")
    tree.select_path(note.data(NAME, Qt.ItemDataRole.UserRole))
    texts = [a.text() for a in window.library.context_menu().actions() if a.text()]
    assert "Exclude the Folder “notes”…" in texts  # a subfolder of the library folder

    # Re-index reads the file again although it has not changed.
    path = note.data(NAME, Qt.ItemDataRole.UserRole)
    before = window.quire.catalog.file(path).updated_at
    next(a for a in window.library.context_menu().actions() if a.text() == "Re-index").trigger()
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    after = window.quire.catalog.file(path)
    assert after.state == "indexed" and after.updated_at > before and after.sha256

    # Reveal says why when there is no file manager to show it in (offscreen: no desktop).
    window.library.reveal_selected()
    text = window.library.notice.text()
    assert text.startswith("Cannot open a file manager") and "no desktop" in text and path in text


def test_the_drop_zone_lights_up_and_skipped_files_are_named_at_the_drop(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    notes = _notes(tmp_path / "incoming", 16)
    (notes[0].parent / "old deck.ppt").write_bytes(b"\xd0\xcf\x11\xe0")
    program = tmp_path / "setup.exe"
    program.write_bytes(b"MZ")
    window = open_window(home)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in (notes[0].parent, program)])
    enter = QDragEnterEvent(
        QPoint(100, 200),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dragEnterEvent(enter)
    assert window.library.overlay.isVisible() and "Drop to add 2 items" in window.library.overlay.text()
    assert window.library.stack.widget(0).property("dropping") is True
    window.dragLeaveEvent(QDragLeaveEvent())
    assert not window.library.overlay.isVisible()

    window.library.import_paths([notes[0].parent, program], announce=True)
    qtbot.waitUntil(lambda: "Skipping 2 files" in window.library.notice.text(), timeout=5000)
    assert window.library.is_importing()  # named while the import is still running, not at its end
    text = window.library.notice.text()
    assert "setup.exe" in text and "old deck.ppt" in text and "legacy PowerPoint" in text
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=60_000)
