"""Screenshots in both palettes, to look at: the main window (a library with long names, an answer
card with its quick answer, flags and sources) at 1280×800 and 1920×1080, the PDF viewer with a
marked passage, Settings. QUIRE_SHOTS=DIR keeps them (the closing note's and README's come from here)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtGui import QImage
from test_library_list import _long_names

from quire.gui import style
from quire.gui.history import Message, Source

ANSWER = (
    "Volunteers counted **312 puffins** nesting on the northern cliffs in June [1]. The society spent "
    "4,200 euros repainting the lighthouse tower [2], and plans a visitor centre opening in 2029 [3]."
)


def _average_lightness(image: QImage) -> float:
    step = 16
    values = [
        image.pixelColor(x, y).lightness()
        for x in range(0, image.width(), step)
        for y in range(0, image.height(), step)
    ]
    return sum(values) / len(values)


def _conversation(window: Any) -> None:
    catalog = window.quire.catalog
    chunks = catalog.chunks_by_id([cid for r in catalog.files() for cid in catalog.chunk_ids(r.path)])
    by_page = {(Path(c.path).name, c.page): c for c in chunks.values()}
    puffins, paint, outlook = (
        by_page[("report.pdf", 3)],
        by_page[("report.pdf", 2)],
        by_page[("report.pdf", 4)],
    )
    deck = next(c for c in chunks.values() if c.slide == 2)
    sources = [
        Source(1, puffins.path, 3, None, None, puffins.text, True, "Volunteers counted 312 puffins nesting"),
        Source(2, paint.path, 2, None, None, paint.text, True),
        Source(3, outlook.path, 4, None, None, outlook.text, True),
        Source(4, deck.path, None, 2, deck.heading, deck.text, False),
    ]
    window.chat.add_message(Message("user", "What did the lighthouse society report this year?"))
    window.chat.add_message(
        Message(
            "assistant",
            ANSWER,
            sources=sources,
            metrics={"ttft_s": 0.42, "tokens_per_s": 38.5, "total_s": 2.1, "output_tokens": 61},
            provider="local",
            model="SmolLM2-135M-Instruct.Q4_1.gguf",
            quick="Volunteers counted 312 puffins nesting on the northern cliffs in June. [1]",
            flags=["2029"],
        )
    )


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("QUIRE_SHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots_in_both_palettes(
    qtbot: Any, open_window: Any, library_copy: Path, tmp_path: Path, shots: Path, theme: str
) -> None:
    (library_copy / "config.toml").write_text(
        f'[providers]\nmax_tokens = 40\ndefault = "local"\n[gui]\ntheme = "{theme}"\n', encoding="utf-8"
    )
    window = open_window(library_copy)
    window.library.import_paths([_long_names(tmp_path / "planning")[0].parent])
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=60_000)
    qtbot.waitUntil(lambda: len(window.library.rows()) >= 9, timeout=10_000)
    qtbot.waitUntil(lambda: window.health_checked, timeout=20_000)
    _conversation(window)
    assert style.current().dark == (theme == "dark")
    for width, height in ((1280, 800), (1920, 1080)):
        window.resize(width, height)
        window.splitter.setSizes([min(420, width // 3), width - min(420, width // 3)])
        qtbot.wait(300)
        image = window.grab().toImage()
        assert (image.width(), image.height()) == (width, height)
        lightness = _average_lightness(image)
        assert lightness < 90 if theme == "dark" else lightness > 190, lightness
        image.save(str(shots / f"main-{width}x{height}-{theme}.png"))

    report = next(r.path for r in window.quire.catalog.files() if r.path.endswith("report.pdf"))
    source = window.chat.last_answer().message.sources[0]
    assert source.path == report
    viewer = window.open_citation(source)
    qtbot.waitUntil(lambda: viewer.current_page() == 2, timeout=5000)
    qtbot.wait(300)
    assert viewer.marked("passage") and viewer.marked("support")
    viewer.grab().toImage().save(str(shots / f"pdf-viewer-{theme}.png"))
    viewer.close()

    dialog = window.open_settings(focus="local")
    qtbot.wait(200)
    image = dialog.grab().toImage()
    assert _average_lightness(image) < 90 if theme == "dark" else _average_lightness(image) > 190
    image.save(str(shots / f"settings-local-{theme}.png"))
    dialog.tabs.setCurrentIndex(0)
    qtbot.wait(100)
    dialog.grab().toImage().save(str(shots / f"settings-providers-{theme}.png"))
    dialog.reject()
    for name in ("main-1280x800", "main-1920x1080", "pdf-viewer", "settings-local"):
        assert (shots / f"{name}-{theme}.png").stat().st_size > 10_000


def test_screenshots_of_states_and_viewers(
    qtbot: Any, open_window: Any, library_copy: Path, home: Path, shots: Path
) -> None:
    """The empty library with a drag over it, the shortcuts, a note and a slide at their citations."""
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent

    empty = open_window(home)
    empty.resize(1280, 800)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(home))])
    enter = QDragEnterEvent(
        QPoint(100, 300),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    empty.dragEnterEvent(enter)
    qtbot.wait(200)
    empty.grab().toImage().save(str(shots / "empty-library-dragging-light.png"))
    empty.library.set_drop_highlight(False)
    dialog = empty.show_shortcuts()
    qtbot.wait(200)
    dialog.grab().toImage().save(str(shots / "keyboard-shortcuts-light.png"))
    assert dialog.table.rowCount() > 20

    window = open_window(library_copy)
    catalog = window.quire.catalog
    chunks = catalog.chunks_by_id(
        [cid for r in catalog.files() for cid in catalog.chunk_ids(r.path)]
    ).values()
    note = next(c for c in chunks if "San Marzano" in c.text)
    viewer = window.open_citation(Source(1, note.path, None, None, note.heading, note.text, True))
    qtbot.wait(200)
    viewer.grab().toImage().save(str(shots / "note-viewer-light.png"))
    slide = next(c for c in chunks if c.slide == 2)
    viewer = window.open_citation(Source(2, slide.path, None, 2, slide.heading, slide.text, True))
    qtbot.waitUntil(lambda: viewer.slide is not None, timeout=10_000)
    qtbot.wait(200)
    viewer.grab().toImage().save(str(shots / "slide-viewer-light.png"))
    for name in ("empty-library-dragging", "keyboard-shortcuts", "note-viewer", "slide-viewer"):
        assert (shots / f"{name}-light.png").stat().st_size > 5_000
