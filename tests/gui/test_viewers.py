"""The source viewers: the PDF at the page with the whole passage marked (and the quoted sentence),
zoom, find, go to page, sized to the screen; notes as Markdown at their heading; slides with their
text, tables, notes and a drawn thumbnail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from fixtures import make_pdf, make_pptx
from quire.gui.history import Source
from quire.gui.passages import words

LONG = (
    "The harbour master's log for the winter records that the north breakwater lost eleven of its "
    "granite blocks in the January storm, that the ferry kept its timetable on all but three days, "
    "and that the foghorn was sounded on forty-two mornings. The council agreed to rebuild the "
    "breakwater with concrete armour units before the next season, at a cost of 86,000 euros."
)


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("viewer-docs")
    pdf = make_pdf(
        folder / "harbour log.pdf",
        [
            "Contents. The lighthouse, the ferry and the breakwater.",
            LONG,
            "Appendix. The lighthouse keeper's notes: the lighthouse lamp was cleaned weekly.",
            "Index. Breakwater, ferry, foghorn, lighthouse.",
        ],
    )
    sections = "\n\n".join(
        f"## Section {n}\n\n" + f"Filler paragraph {n} about nothing much. " * 12 for n in range(1, 12)
    )
    note = folder / "long note.md"
    note.write_text(
        f"# Logbook\n\n{sections}\n\n## Tides\n\nSpring tides reach 4.2 metres at the inner quay in March.\n",
        encoding="utf-8",
    )
    deck = make_pptx(
        folder / "budget deck.pptx",
        [
            {"title": "Kickoff", "body": "Goals and timeline"},
            {
                "title": "Budget",
                "table": [["Item", "Cost"], ["Telescopes", "9,900 dollars"]],
                "notes": "The telescope order closes on Friday.",
            },
        ],
    )
    return {"pdf": pdf, "note": note, "deck": deck}


def _indexed(qtbot: Any, window: Any, paths: list[Path]) -> dict[str, Any]:
    window.library.import_paths(paths)
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=60_000)
    catalog = window.quire.catalog
    ids = [cid for p in paths for cid in catalog.chunk_ids(str(p))]
    return {c.id: c for c in catalog.chunks_by_id(ids).values()}


def _active(qtbot: Any, viewer: Any) -> None:
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow, timeout=2000)


def test_pdf_viewer_marks_the_whole_passage_and_finds_zooms_and_goes_to_pages(
    qtbot: Any, open_window: Any, home: Path, docs: dict[str, Path]
) -> None:
    window = open_window(home)
    chunks = _indexed(qtbot, window, [docs["pdf"]])
    cited = next(c for c in chunks.values() if c.page == 2)
    quoted = "The council agreed to rebuild the breakwater with concrete armour units before the next season"
    viewer = window.open_citation(Source(1, str(docs["pdf"]), 2, None, None, cited.text, True, quoted))
    qtbot.waitUntil(lambda: viewer.current_page() == 1, timeout=5000)
    assert viewer.page_text() == "page 2 of 4"

    # The whole passage is marked, over its several lines, not its first five words.
    (passage,) = viewer.marked("passage")
    marked = [w for _, _, w in words(passage)]
    wanted = [w for _, _, w in words(LONG)]
    assert marked[:3] == wanted[:3] and marked[-3:] == wanted[-3:] and len(marked) >= 0.95 * len(wanted)
    assert len(next(m for m in viewer.matches if m.kind == "passage").polygons) >= 3  # one per line
    (support,) = viewer.marked("support")
    assert " ".join(w for _, _, w in words(support)) == " ".join(w for _, _, w in words(quoted))

    # Sized to the screen, not a fixed 900 px.
    screen = QGuiApplication.primaryScreen().availableGeometry()
    assert abs(viewer.height() - int(screen.height() * 0.9)) <= 2

    # Zoom: Ctrl+= in, Ctrl+- out, Ctrl+0 fits the width again.
    _active(qtbot, viewer)
    fit = viewer.pages.zoom
    QTest.keyClick(viewer, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert viewer.pages.zoom == pytest.approx(fit * 1.2) and not viewer.fit_width
    assert viewer.zoom_label.text() == f"{fit * 1.2 * 100:.0f}%"
    QTest.keyClick(viewer, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClick(viewer, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert viewer.pages.zoom == pytest.approx(fit / 1.2)
    QTest.keyClick(viewer, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert viewer.fit_width and viewer.pages.zoom == pytest.approx(fit, rel=0.02)
    assert viewer.pages.width() <= viewer.scroll.viewport().width()  # the page fits across

    # Find: Ctrl+F, type, Enter; matches on several pages, Enter again moves on, and wraps.
    QTest.keyClick(viewer, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert viewer.find_bar.isVisible() and viewer.find_box.hasFocus()
    viewer.go_to(0)
    qtbot.keyClicks(viewer.find_box, "lighthouse")
    QTest.keyClick(viewer.find_box, Qt.Key.Key_Return)
    assert len(viewer.found) == 4  # pages 1, 3 (twice) and 4
    assert viewer.find_count.text() == "1 of 4" and viewer.current_page() == 0
    QTest.keyClick(viewer.find_box, Qt.Key.Key_Return)
    assert viewer.find_count.text() == "2 of 4"
    qtbot.waitUntil(lambda: viewer.current_page() == 2, timeout=2000)
    for _ in range(3):
        QTest.keyClick(viewer.find_box, Qt.Key.Key_Return)
    assert viewer.find_count.text() == "1 of 4"  # wrapped round
    assert viewer.find("no such word") == 0 and viewer.find_count.text() == "not found"

    # Go to page: Ctrl+G, a number, Enter.
    QTest.keyClick(viewer, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    assert viewer.page_box.hasFocus()
    viewer.page_box.lineEdit().selectAll()
    qtbot.keyClicks(viewer.page_box, "4")
    QTest.keyClick(viewer.page_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: viewer.current_page() == 3, timeout=2000)
    assert viewer.page_text() == "page 4 of 4"


def test_a_note_opens_as_markdown_at_its_heading_with_the_passage_marked(
    qtbot: Any, open_window: Any, home: Path, docs: dict[str, Path]
) -> None:
    window = open_window(home)
    chunks = _indexed(qtbot, window, [docs["note"]])
    cited = next(c for c in chunks.values() if "Spring tides" in c.text)
    viewer = window.open_citation(Source(1, str(docs["note"]), None, None, cited.heading, cited.text, True))
    qtbot.wait(100)
    shown = viewer.text.toPlainText()
    assert "## Tides" not in shown and "Tides" in shown  # rendered, not the Markdown source
    assert "Spring tides reach 4.2 metres" in viewer.marked("passage")
    bar = viewer.text.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() > 0  # scrolled down to it
    cursor = viewer.text.cursorRect()
    assert 0 <= cursor.top() < viewer.text.viewport().height()  # the passage is in view


def test_a_slide_shows_its_text_tables_notes_and_a_thumbnail(
    qtbot: Any, open_window: Any, home: Path, docs: dict[str, Path]
) -> None:
    window = open_window(home)
    chunks = _indexed(qtbot, window, [docs["deck"]])
    cited = next(c for c in chunks.values() if c.slide == 2)
    viewer = window.open_citation(Source(1, str(docs["deck"]), None, 2, cited.heading, cited.text, True))
    qtbot.waitUntil(lambda: viewer.slide is not None, timeout=10_000)
    assert viewer.heading.text() == "budget deck.pptx · slide 2 of 2 · Budget"
    assert viewer.thumbnail.isVisible() and viewer.thumbnail.view.boxes
    assert {b.kind for b in viewer.thumbnail.view.boxes} >= {"title", "table"}
    html = viewer.text.toHtml()
    assert "<table" in html and "Telescopes" in html and "9,900 dollars" in html
    assert "Speaker notes" in viewer.text.toPlainText() and "closes on Friday" in viewer.text.toPlainText()
    image = viewer.thumbnail.grab().toImage()
    slide = viewer.thumbnail.slide_rect()
    assert image.pixelColor(int(slide.center().x()), int(slide.top()) + 3).lightness() > 200  # a white slide

    # A deck changed since it was imported is not opened whole: its indexed text is shown.
    docs["deck"].write_bytes(docs["deck"].read_bytes() + b"\0")
    again = window.open_citation(Source(1, str(docs["deck"]), None, 2, cited.heading, cited.text, True))
    qtbot.waitUntil(lambda: "changed since it was imported" in again.heading.text(), timeout=10_000)
    assert "Telescopes" in again.text.toPlainText() and again.slide is None
