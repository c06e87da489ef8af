"""Thumbs up/down under an answer, and Compare's "this one is better": the user's verdicts, which
Quire keeps in metrics.sqlite3 beside each answer's figures (core: Quire.rate, MetricsLog.prefer)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QToolButton, QWidget


class RatingButtons(QWidget):
    """👍 / 👎, at most one pressed; pressing the pressed one again clears the rating."""

    rated = Signal(object)  # True (good), False (bad) or None (cleared)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.up = self._button("👍", "Good", "A good answer")
        self.down = self._button("👎", "Poor", "A poor answer")
        layout.addWidget(self.up)
        layout.addWidget(self.down)
        self.up.clicked.connect(lambda: self._pressed(True))
        self.down.clicked.connect(lambda: self._pressed(False))

    def _button(self, emoji: str, word: str, tip: str) -> QToolButton:
        button = QToolButton()
        # no emoji font (a bare X session, a minimal install): the word, never an empty box
        shown = QFontMetrics(button.font()).inFontUcs4(ord(emoji))
        button.setText(emoji if shown else word)
        button.setToolTip(f"{tip} (kept with this answer's figures in Metrics)")
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setObjectName("ratingButton")
        return button

    def value(self) -> bool | None:
        return True if self.up.isChecked() else False if self.down.isChecked() else None

    def set_value(self, value: bool | None) -> None:
        self.up.setChecked(value is True)
        self.down.setChecked(value is False)

    def _pressed(self, good: bool) -> None:
        pressed = self.up if good else self.down
        value = good if pressed.isChecked() else None
        self.set_value(value)
        self.rated.emit(value)


class PreferButton(QPushButton):
    """Under one Compare column: marks its answer as the better one of the question's answers."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("This one is better", parent)
        self.setCheckable(True)
        self.setEnabled(False)
        self.setToolTip("Counted in Metrics as a preferred answer for this provider and model")
