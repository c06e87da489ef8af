"""The model card: what the check on add found for one GGUF, step by step, and whether it can be used."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

MARKS = {"ok": ("✓", "#2f9e44"), "warn": ("!", "#e8590c"), "fail": ("✗", "#e03131"), "skip": ("–", "#868e96")}


def _size(count: int | None) -> str:
    from quire.models.catalog import gib

    return gib(count)


class ModelCardView(QFrame):
    """Empty until shown a ModelCard; 'Use this model' only for a card whose check passed."""

    use_requested = Signal(str)  # the model's path

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.card: Any = None
        layout = QVBoxLayout(self)
        self.title = QLabel("Select a model and press Check to see its card")
        self.title.setObjectName("panelTitle")
        self.title.setWordWrap(True)
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.steps = QLabel()
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        self.steps.setWordWrap(True)
        self.steps.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.verdict = QLabel()
        self.verdict.setObjectName("cardVerdict")
        self.verdict.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.verdict, 1)
        self.use_button = QPushButton("Use this model")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(lambda: self.card and self.use_requested.emit(self.card.path))
        row.addWidget(self.use_button)
        for widget in (self.title, self.facts, self.steps):
            layout.addWidget(widget)
        layout.addStretch(1)
        layout.addLayout(row)

    def show_busy(self, text: str) -> None:
        self.card = None
        self.title.setText(text)
        self.facts.clear()
        self.steps.clear()
        self.verdict.clear()
        self.use_button.setEnabled(False)

    def show_step(self, line: str) -> None:
        """A step as the check finishes it (the check runs in a worker)."""
        self.steps.setText((self.steps.text() + "<br>" if self.steps.text() else "") + line)

    def show_card(self, card: Any) -> None:
        self.card = card
        self.title.setText(f"{card.name}")
        params = (
            f"{card.parameters / 1e9:.2f}B" if card.parameters >= 1e9 else f"{card.parameters / 1e6:.0f}M"
        )
        self.facts.setText(
            f"{card.path}\n{card.architecture or '?'} · {params} parameters · {card.quantisation or '?'} · "
            f"{_size(card.size_bytes)} on disk · context {card.context_length or '?'} tokens\n"
            f"Chat template: {card.chat_template} · memory ~{_size(card.memory_needed)} of "
            f"{_size(card.memory_free)} free"
            + (f" · perplexity {card.perplexity:.1f}" if card.perplexity is not None else "")
        )
        lines = []
        for step in card.steps:
            mark, colour = MARKS.get(step.status, ("?", "#868e96"))
            lines.append(
                f"<span style='color:{colour}'><b>{mark}</b></span> <b>{step.name}</b>: {_esc(step.detail)}"
            )
        for answer in card.smoke:
            mark, colour = MARKS["ok" if answer.passed else "warn"]
            lines.append(
                f"&nbsp;&nbsp;<span style='color:{colour}'>{mark}</span> {_esc(answer.question)} → "
                f"<i>{_esc(answer.answer[:160])}</i>"
            )
        self.steps.setText("<br>".join(lines))
        self.verdict.setText(
            f"Usable (checked in {card.seconds:.0f} s with llama-cpp-python {card.llama_cpp})"
            if card.ok
            else f"Not usable: {card.problem}"
        )
        self.verdict.setProperty("ok", card.ok)
        self.use_button.setEnabled(card.ok)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
