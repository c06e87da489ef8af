"""The import's progress row: bar, files and ETA, and what the user can do about it.

Running: Pause (stop after the current step, carry on later) and Cancel (stop and leave the rest
out). Paused: Resume and Cancel. The panel drives it; it only shows and signals."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from quire.gui.style import space


def eta_text(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s left"
    return f"{seconds / 60:.0f} min left"


class ImportRow(QFrame):
    pause_clicked = Signal()
    resume_clicked = Signal()
    cancel_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("importRow")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(space(1))
        line = QHBoxLayout()
        line.setSpacing(space(2))
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setFixedHeight(space(2))
        line.addWidget(self.bar, 1)
        self.pause_button = QPushButton("Pause")
        self.pause_button.setToolTip(
            "Stop after the current file; Resume carries on (so does the next start)"
        )
        self.pause_button.clicked.connect(self.pause_clicked)
        self.resume_button = QPushButton("Resume")
        self.resume_button.setProperty("primary", True)
        self.resume_button.clicked.connect(self.resume_clicked)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop and leave out the files not imported yet (those done stay)")
        self.cancel_button.clicked.connect(self.cancel_clicked)
        for button in (self.pause_button, self.resume_button, self.cancel_button):
            line.addWidget(button)
        layout.addLayout(line)
        self.label = QLabel()
        self.label.setObjectName("progressLabel")
        layout.addWidget(self.label)
        self.state = "idle"
        self.hide()

    def running(self, text: str) -> None:
        self.state = "running"
        self.bar.setValue(0)
        self.label.setText(text)
        self._buttons(pause=True, cancel=True)
        self.show()

    def stopping(self, text: str) -> None:
        self.state = "stopping"
        self.label.setText(text)
        self.pause_button.setEnabled(False)
        self.cancel_button.setEnabled(False)

    def paused(self, text: str) -> None:
        self.state = "paused"
        self.label.setText(text)
        self._buttons(resume=True, cancel=True)
        self.show()

    def idle(self) -> None:
        self.state = "idle"
        self.hide()

    def _buttons(self, pause: bool = False, resume: bool = False, cancel: bool = False) -> None:
        self.pause_button.setVisible(pause)
        self.resume_button.setVisible(resume)
        self.cancel_button.setVisible(cancel)
        for button in (self.pause_button, self.resume_button, self.cancel_button):
            button.setEnabled(True)
