"""The answer card: the quick answer first (quoted from the sources, before the model writes), the
model's answer with its unsupported claims marked, the used sources first and the rest folded.

The retrieval, the quick answer and the claim check run for real on the indexed corpus; the text
the model writes is scripted so that it holds one made-up figure and one supported one."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QToolTip

from quire.providers.base import ProviderHealth, TokenEvent


class WritingProvider:
    """Writes a fixed answer once told to: the quick answer must be on screen before that."""

    name = "local"
    model = "scripted-model"
    context_tokens = 4096

    def __init__(self, text: str) -> None:
        self.text = text
        self.go = threading.Event()

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def health(self) -> ProviderHealth:
        return ProviderHealth(True, self.model)

    def stream(
        self, messages: list[dict[str, str]], *, max_tokens: int, sampling: Any
    ) -> Iterator[TokenEvent]:
        self.go.wait(30)
        for word in self.text.split(" "):
            yield TokenEvent(word + " ")


@pytest.fixture
def writer(monkeypatch: pytest.MonkeyPatch) -> WritingProvider:
    provider = WritingProvider(
        "Volunteers counted 312 puffins in June. The society spent 9,750 euros on paint."
    )
    monkeypatch.setattr("quire.providers.router.provider_chain", lambda *_a, **_k: [provider])
    return provider


def test_quick_answer_shows_first_then_flags_and_folded_sources(
    qtbot: Any, open_window: Any, library_copy: Path, writer: WritingProvider
) -> None:
    window = open_window(library_copy)
    window.chat.input.setPlainText("How many puffins did volunteers count?")
    QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
    run = window.run
    bubble = run.bubble

    # Before the model has written a word, the sentence that answers is on screen, with its [n].
    qtbot.waitUntil(lambda: bubble.quick.isVisible(), timeout=30_000)
    assert not run.done and run.message.text == ""
    assert "312 puffins" in bubble.quick.text() and 'href="quire-cite:1"' in bubble.quick.text()
    assert run.message.sources[0].page == 3 and run.message.sources[0].quoted.startswith("Volunteers counted")

    writer.go.set()
    qtbot.waitUntil(lambda: run.done, timeout=30_000)
    message = run.message
    # The made-up amount is marked and explained; the supported number is not.
    assert message.flags == ["9,750 euros"]
    assert 'href="quire-flag:0"' in bubble.body.text() and "9,750 euros</span></a>" in bubble.body.text()
    assert "312 puffins</span></a>" not in bubble.body.text()
    bubble.body.linkHovered.emit("quire-flag:0")
    assert "Not found in your documents" in QToolTip.text()
    assert not bubble.warning.isVisible()  # one of its two claims is in the sources

    # Used sources first (the quick answer's page and the page the claim check matched), the rest folded.
    used = [chip.source for chip in bubble.chip_buttons()]
    folded = [chip.source for chip in bubble.folded_chips()]
    assert (
        used and all(s.cited for s in used) and (Path(used[0].path).name, used[0].page) == ("report.pdf", 3)
    )
    assert folded and not any(s.cited for s in folded)
    assert bubble.more_button.isVisible() and bubble.more_button.text() == f"Also retrieved ({len(folded)})"
    assert not bubble.more.isVisible()
    bubble.more_button.click()
    assert bubble.more.isVisible()

    # A click on the quick answer's [1] opens the PDF at page 3, on the quoted sentence.
    from quire.gui.pdf_viewer import PdfViewer

    bubble.quick.linkActivated.emit("quire-cite:1")
    viewer = window.viewers[-1]
    assert isinstance(viewer, PdfViewer)
    qtbot.waitUntil(lambda: viewer.current_page() == 2)
    assert viewer.marked("support") and viewer.marked("support")[0].startswith("Volunteers counted 312")


def test_an_answer_whose_claims_are_all_made_up_says_so(
    qtbot: Any, open_window: Any, library_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = WritingProvider("Volunteers counted 45 puffins. Dr Ramirez Okonkwo led the count.")
    provider.go.set()
    monkeypatch.setattr("quire.providers.router.provider_chain", lambda *_a, **_k: [provider])
    window = open_window(library_copy)
    window.chat.input.setPlainText("How many puffins did volunteers count?")
    QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
    run = window.run
    qtbot.waitUntil(lambda: run.done, timeout=30_000)
    assert set(run.message.flags) == {"45", "Dr Ramirez Okonkwo"}
    assert run.bubble.warning.isVisible() and "not in your documents" in run.bubble.warning.text()
    # the quoted sentence with the real figure stays above it
    assert "312 puffins" in run.bubble.quick.text()


def test_ampersands_in_source_names_are_not_mnemonics(qtbot: Any) -> None:
    from quire.gui.history import Source
    from quire.gui.message_bubble import CitationChip

    chip = CitationChip(Source(1, "/docs/Benefits & Perks.md", None, None, "Benefits & Perks"))
    qtbot.addWidget(chip)
    assert chip.text() == "[1] Benefits && Perks.md § Benefits && Perks"


def test_a_question_the_documents_do_not_answer_says_so_first(
    qtbot: Any, open_window: Any, library_copy: Path, writer: WritingProvider
) -> None:
    from quire.gui.message_bubble import NOT_IN_DOCUMENTS_BANNER, NOTHING_DIRECT

    window = open_window(library_copy)
    window.chat.input.setPlainText("What is the dress code for the office?")
    QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
    bubble = window.run.bubble
    qtbot.waitUntil(lambda: bubble.quick.isVisible(), timeout=30_000)
    assert NOTHING_DIRECT in bubble.quick.text() and "quire-cite" not in bubble.quick.text()
    writer.go.set()
    qtbot.waitUntil(lambda: window.run.done, timeout=30_000)
    # nothing was quoted, so a made-up claim's banner says plainly that the documents do not answer
    assert bubble.warning.text() == NOT_IN_DOCUMENTS_BANNER


def test_with_nothing_to_quote_a_tiny_model_is_not_asked(
    qtbot: Any, open_window: Any, library_copy: Path, writer: WritingProvider
) -> None:
    from quire.chat.profiles import NOT_ASKED

    writer.parameters = 135e6  # the default model's size: chat/profiles.py TINY
    window = open_window(library_copy)
    window.chat.input.setPlainText("What is the dress code for the office?")
    QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
    run = window.run
    qtbot.waitUntil(lambda: run.done, timeout=30_000)  # (the writer was never told to go)
    bubble = run.bubble
    assert run.message.text == NOT_ASKED and not writer.go.is_set()
    assert bubble.byline.isHidden() and bubble.warning.isHidden() and not bubble.metrics_line.text()
    assert run.message.sources  # the nearest passages stay, to open
