"""The chat: tokens stream in with a live metrics line, chips open the source, history survives."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from quire.chat.chats import ChatStore
from quire.errors import ProviderUnavailable
from quire.providers.base import ProviderHealth, TokenEvent


class ScriptedProvider:
    """A provider that writes a fixed answer, optionally failing after some of it (a dropped link)."""

    context_tokens = 4096

    def __init__(self, name: str, pieces: list[str], fail_after: int | None = None, delay: float = 0) -> None:
        self.name = name
        self.delay = delay
        self.model = f"{name}-model"
        self.pieces = pieces
        self.fail_after = fail_after

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def health(self) -> ProviderHealth:
        return ProviderHealth(True, self.model)

    def stream(
        self, messages: list[dict[str, str]], *, max_tokens: int, sampling: Any
    ) -> Iterator[TokenEvent]:
        for n, piece in enumerate(self.pieces):
            if self.fail_after is not None and n == self.fail_after:
                raise ProviderUnavailable(self.name, "connection reset by the server")
            time.sleep(self.delay)
            yield TokenEvent(piece)


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> dict[str, ScriptedProvider]:
    """Route every ask to scripted providers by name (the real retrieval and AnswerStream still run)."""
    providers: dict[str, ScriptedProvider] = {}

    def chain(choice: str, settings: Any, model: str | None = None) -> list[ScriptedProvider]:
        return [providers[choice]]

    monkeypatch.setattr("quire.providers.router.provider_chain", chain)
    return providers


def ask(qtbot: Any, window: Any, question: str, timeout: int = 120_000) -> Any:
    window.chat.input.setPlainText(question)
    QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
    assert window.run is not None and window.run.message.role == "assistant"
    run = window.run
    qtbot.waitUntil(lambda: run.done, timeout=timeout)
    return run


@pytest.mark.slow
def test_answer_streams_from_local_model_with_metrics_citations_and_history(
    qtbot: Any, open_window: Any, library_copy: Path, chat_model: Path
) -> None:
    window = open_window(library_copy)
    assert window.toggle.choice() == "local"
    qtbot.keyClicks(window.chat.input, "How many puffins were counted")
    QTest.keyClick(window.chat.input, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(window.chat.input, "nesting on the northern cliffs?")
    assert window.run is None  # Shift+Enter only starts a new line
    QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
    run = window.run
    pieces: list[str] = []
    live_lines: list[str] = []
    run.worker.piece.connect(pieces.append)
    run.worker.live.connect(lambda _m: live_lines.append(run.bubble.metrics_line.text()))
    assert window.chat.stop_button.isVisible() and not window.chat.send_button.isEnabled()
    qtbot.waitUntil(lambda: run.done, timeout=120_000)

    assert len(pieces) > 3  # streamed token by token, not in one go
    answer = run.message
    assert answer.text.strip()
    assert run.bubble.body.text() == answer.text or answer.flags  # flagged answers render as marked HTML
    # what streamed, with the [n] the claim check adds where the model left one out
    assert re.sub(r" ?\[\d+\]", "", "".join(pieces)).strip() == re.sub(r" ?\[\d+\]", "", answer.text).strip()
    assert live_lines and live_lines[0].startswith("●")
    line = run.bubble.metrics_line.text()
    assert "TTFT" in line and "tok/s" in line and "tokens" in line and "local" in line
    assert "SmolLM2" in line and "–" not in line.split("·")[0]
    assert answer.metrics["output_tokens"] > 0 and answer.metrics["ttft_s"] > 0
    assert not window.chat.stop_button.isVisible() and window.chat.send_button.isEnabled()

    # The PDF page that holds the fact is among the sources; its chip opens the viewer there.
    chips = {chip.source.label: chip for chip in run.bubble.chip_buttons()}
    assert "[1] report.pdf p.3" in chips or any(label.endswith("report.pdf p.3") for label in chips)
    chip = next(c for label, c in chips.items() if label.endswith("report.pdf p.3"))
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    from quire.gui.pdf_viewer import PdfViewer

    viewer = window.viewers[-1]
    assert isinstance(viewer, PdfViewer) and viewer.isVisible()
    assert viewer.document.pageCount() == 4
    qtbot.waitUntil(lambda: viewer.current_page() == 2)  # 0-based: page 3 as the reader counts
    qtbot.wait(100)
    assert viewer.current_page() == 2
    assert viewer.page_text() == "page 3 of 4"
    assert viewer.marked("passage")  # the whole passage was found (and is marked) on that page
    assert "312 puffins" in " ".join(viewer.marked("passage"))

    # History: the question and the answer come back after a restart, chips and metrics too.
    saved = ChatStore(library_copy / "chats.sqlite3")
    assert [t.role for t in saved.turns(saved.chats()[0].id)] == ["user", "assistant"]
    window.close()
    again = open_window(library_copy)
    texts = [b.message.text for b in again.chat.bubbles]
    assert len(texts) == 2 and texts[1] == answer.text
    assert texts[0] == "How many puffins were counted\nnesting on the northern cliffs?"  # Shift+Enter kept
    restored = again.chat.bubbles[1]
    assert restored.metrics_line.text() == line.lstrip("● ")
    assert [c.source.label for c in restored.chip_buttons()] == list(chips)

    # New chat starts empty; the old conversation stays on disk.
    again.new_chat()
    assert again.chat.bubbles == [] and again.chat.pages.currentWidget() is again.chat.empty
    assert len(saved.chats()) == 1  # the new chat is kept once it has a message
    assert [t.text for t in saved.turns(saved.chats()[0].id)] == texts


@pytest.mark.slow
def test_escape_stops_a_long_answer(
    qtbot: Any, open_window: Any, library_copy: Path, chat_model: Path
) -> None:
    config = library_copy / "config.toml"
    config.write_text('[providers]\nmax_tokens = 2000\ndefault = "local"\n', encoding="utf-8")
    window = open_window(library_copy)
    window.chat.input.setPlainText("Write a very long story about the lighthouse society and its finances.")
    QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
    run = window.run
    qtbot.waitUntil(lambda: len(run.message.text) > 10, timeout=120_000)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: run.done, timeout=30_000)
    assert run.message.text.strip()
    assert run.message.metrics["output_tokens"] < 2000
    assert "Stopped" in run.bubble.notice.text()


def test_provider_failing_mid_answer_keeps_the_partial_text(
    qtbot: Any, open_window: Any, library_copy: Path, scripted: dict[str, ScriptedProvider]
) -> None:
    scripted["local"] = ScriptedProvider("local", ["The society ", "spent 4,200 ", "euros [1]", " on"], 3)
    window = open_window(library_copy)
    run = ask(qtbot, window, "What did the repainting cost?")
    assert run.message.text == "The society spent 4,200 euros [1]"
    assert run.bubble.body.text() == run.message.text
    notice = run.bubble.notice.text()
    assert (
        "failed mid-answer" in notice and "connection reset" in notice and "partial answer is kept" in notice
    )
    assert "TTFT" in run.bubble.metrics_line.text()
    assert window.chat.send_button.isEnabled()


def test_provider_unavailable_before_answering_shows_the_reason(
    qtbot: Any, open_window: Any, library_copy: Path, scripted: dict[str, ScriptedProvider]
) -> None:
    scripted["local"] = ScriptedProvider("local", ["never"], 0)
    window = open_window(library_copy)
    run = ask(qtbot, window, "What did the repainting cost?")
    assert "connection reset by the server" in run.message.error
    assert run.bubble.notice.isVisible() and "connection reset" in run.bubble.notice.text()


def test_answer_during_an_import_says_it_used_what_is_indexed_so_far(
    qtbot: Any, open_window: Any, library_copy: Path, scripted: dict[str, ScriptedProvider], tmp_path: Path
) -> None:
    from test_library import _notes

    scripted["local"] = ScriptedProvider("local", ["Puffins: ", "312 [1]."])
    notes = _notes(tmp_path / "incoming", 12)
    window = open_window(library_copy)
    window.library.import_paths([notes[0].parent])
    run = ask(qtbot, window, "How many puffins?")
    assert "import is still running" in run.bubble.notice.text()
    assert run.message.text == "Puffins: 312 [1]."
    cited = [c for c in run.bubble.chip_buttons() if c.source.cited]
    assert cited and cited[0].source.n == 1
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=60_000)


def test_slide_and_note_citations_show_their_text(open_window: Any, library_copy: Path) -> None:
    from quire.gui.history import Source
    from quire.gui.source_viewer import TextSourceViewer

    window = open_window(library_copy)
    chunks = window.quire.catalog.chunks_by_id(
        [cid for r in window.quire.catalog.files() for cid in window.quire.catalog.chunk_ids(r.path)]
    ).values()
    slide = next(c for c in chunks if c.slide == 2)
    viewer = window.open_citation(Source(1, slide.path, None, 2, slide.heading, slide.text))
    assert isinstance(viewer, TextSourceViewer)
    assert "slide 2" in viewer.heading.text()
    assert "telescope order closes on Friday" in viewer.text.toPlainText()  # the speaker notes

    note = next(c for c in chunks if c.path.endswith("garden.md") and "San Marzano" in c.text)
    viewer = window.open_citation(Source(2, note.path, None, None, note.heading, note.text))
    shown = viewer.text.toPlainText()
    # rendered as Markdown: headings are headings, not "## " lines
    assert "## Tomatoes" not in shown and "Tomatoes" in shown and "Compost" in shown
    headings = []
    block = viewer.text.document().begin()
    while block.isValid():
        if block.blockFormat().headingLevel():
            headings.append(block.text())
        block = block.next()
    assert headings == ["Garden", "Tomatoes", "Compost"]
    assert "San Marzano tomatoes need watering" in viewer.marked()
    from PySide6.QtGui import QColor, QTextCursor

    from quire.gui.style import current

    cursor = QTextCursor(viewer.text.document())
    cursor.setPosition(shown.index("San Marzano") + 1)
    assert cursor.charFormat().background().color() == QColor(current().passage)  # marked, not selected
    assert not viewer.text.textCursor().hasSelection()


def test_compare_streams_each_provider_in_its_own_column(
    qtbot: Any, open_window: Any, library_copy: Path, scripted: dict[str, ScriptedProvider]
) -> None:
    scripted["local"] = ScriptedProvider("local", ["Local ", "says ", "312."])
    scripted["lan"] = ScriptedProvider("lan", ["LAN ", "says ", "312 ", "too."])
    window = open_window(library_copy)
    window.tabs.setCurrentWidget(window.compare)
    qtbot.waitUntil(lambda: window.health_checked, timeout=20_000)
    checks = window.compare.checks
    # Ticked by health: local can answer, the unconfigured LAN and OCI cannot.
    assert checks["local"].isChecked() and not checks["lan"].isChecked() and not checks["oci"].isChecked()
    assert "unavailable" in checks["lan"].toolTip()
    qtbot.mouseClick(checks["lan"], Qt.MouseButton.LeftButton)  # the user's choice wins
    assert checks["lan"].isChecked()
    window.compare.question.setText("How many puffins?")
    qtbot.mouseClick(window.compare.go, Qt.MouseButton.LeftButton)
    assert len(window.compare.runs) == 2
    qtbot.waitUntil(lambda: not window.compare.busy(), timeout=30_000)
    texts = {run.message.provider: run.message.text for run in window.compare.runs}
    assert texts == {"local": "Local says 312.", "lan": "LAN says 312 too."}
    for run in window.compare.runs:
        assert run.message.provider in run.bubble.metrics_line.text()
        assert "TTFT" in run.bubble.metrics_line.text()

    # Both answers were logged; the metrics view lists each provider with its figures.
    window.tabs.setCurrentWidget(window.metrics_view)
    table = window.metrics_view.table
    qtbot.waitUntil(lambda: table.rowCount() == 2, timeout=10_000)
    providers = {table.item(row, 0).text() for row in range(table.rowCount())}
    assert providers == {"local", "lan"}
    assert all(table.item(row, 2).text() == "1" for row in range(2))
    assert window.metrics_view.rate_chart.series or window.metrics_view.ttft_chart.series


def test_closing_mid_answer_keeps_what_was_written(
    qtbot: Any, open_window: Any, library_copy: Path, scripted: dict[str, ScriptedProvider]
) -> None:
    scripted["local"] = ScriptedProvider("local", [f"word{n} " for n in range(200)], delay=0.02)
    window = open_window(library_copy)
    window.chat.input.setPlainText("Tell me everything.")
    QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.run.message.text.count("word") >= 3, timeout=20_000)
    window.close()
    saved = ChatStore(library_copy / "chats.sqlite3")
    question, answer = saved.turns(saved.chats()[0].id)
    assert question.text == "Tell me everything."
    assert answer.text.startswith("word0 word1 word2") and answer.text.count("word") < 200
    assert "closed" in answer.data["notice"]
