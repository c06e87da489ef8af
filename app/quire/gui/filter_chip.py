"""Above an answer: what it was limited to ("Meetings dated 18–24 Oct 2021 · 1 document"), with
a ✕ that asks the same question again without the limit; and, while a set question reads its
documents, a progress bar ("reading 3 of 5 meetings")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QToolButton, QVBoxLayout, QWidget


class FilterChip(QFrame):
    removed = Signal()

    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("filterChip")
        self.setStyleSheet(
            "#filterChip { border: 1px solid palette(mid); border-radius: 10px;"
            " background: palette(alternate-base); }"
        )
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 2, 4, 2)
        layout.setSpacing(4)
        self.label = QLabel(label)
        self.label.setObjectName("filterLabel")
        layout.addWidget(self.label)
        self.remove_button = QToolButton()
        self.remove_button.setText("✕")
        self.remove_button.setAutoRaise(True)
        self.remove_button.setToolTip("Ask again without this filter")
        self.remove_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.remove_button.clicked.connect(self.removed)
        layout.addWidget(self.remove_button)
        self.setSizePolicy(self.sizePolicy().Policy.Maximum, self.sizePolicy().Policy.Fixed)


class SetProgress(QWidget):
    """A set question's progress: documents read of all, in words and as a bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("setProgress")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.label = QLabel()
        self.bar = QProgressBar()
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(6)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)

    def show_event(self, event: Any) -> None:
        """A SetProgress event (chat/collection.py)."""
        self.bar.setMaximum(max(1, event.total))
        self.bar.setValue(event.total if event.stage == "answering" else event.done)
        self.label.setText(event.text()[:1].upper() + event.text()[1:] + "…")


def filter_label(data: dict[str, Any]) -> str:
    """The chip's words from a message's data (what chat/plan.py keeps with an answer)."""
    found = data.get("filter") or {}
    return str(found.get("label") or "")


def add_filter_chip(bubble: Any, label: str, on_remove: Callable[[], None] | None) -> FilterChip | None:
    """Put the chip at the top of an answer's bubble (once); `on_remove` runs on ✕."""
    if not label or getattr(bubble, "filter_chip", None) is not None:
        return None
    chip = FilterChip(label)
    if on_remove is None:
        chip.remove_button.hide()
    else:
        chip.removed.connect(on_remove)
    row = QWidget()
    line = QHBoxLayout(row)
    line.setContentsMargins(0, 0, 0, 0)
    line.addWidget(chip)
    line.addStretch(1)
    bubble.layout().insertWidget(0, row)
    bubble.filter_chip = chip
    return chip


def show_set_progress(bubble: Any, event: Any) -> SetProgress:
    """Create (the first time) and update the bubble's progress bar; it goes when the answer is done."""
    progress = getattr(bubble, "set_progress", None)
    if progress is None:
        progress = SetProgress()
        layout = bubble.layout()
        layout.insertWidget(1 if getattr(bubble, "filter_chip", None) is not None else 0, progress)
        bubble.set_progress = progress
    progress.show_event(event)
    return progress
