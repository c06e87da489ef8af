"""One question to several providers side by side, each column streaming with its own metrics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from quire.gui.history import Message
from quire.gui.message_bubble import AnswerRun, MessageBubble
from quire.gui.rating import PreferButton
from quire.gui.workers import AnswerWorker, run_job

PROVIDER_LABELS = {"local": "Local", "lan": "LAN GPU", "oci": "OCI GenAI"}


class CompareView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quire: Any = None
        self.local_model: Callable[[], str | None] = lambda: None
        self.runs: list[AnswerRun] = []
        self.on_citation: Callable[[Any], None] | None = None
        self.user_chose = False
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.question = QLineEdit()
        self.question.setPlaceholderText("One question, answered by each provider you tick")
        self.question.returnPressed.connect(self.compare)
        self.question.setAcceptDrops(False)  # dropped files go to the window: they import
        self.question.setMinimumWidth(120)
        row.addWidget(self.question, 1)
        self.checks: dict[str, QCheckBox] = {}
        for name, label in PROVIDER_LABELS.items():
            check = QCheckBox(label)
            check.setChecked(True)
            check.clicked.connect(self._chosen)
            self.checks[name] = check
            row.addWidget(check)
        self.go = QPushButton("Compare")
        self.go.clicked.connect(self.compare)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop)
        self.stop_button.hide()
        row.addWidget(self.go)
        row.addWidget(self.stop_button)
        layout.addLayout(row)
        self.columns_box = QWidget()
        self.columns = QHBoxLayout(self.columns_box)
        self.columns.setContentsMargins(0, 0, 0, 0)
        hint = QLabel("Answers appear here side by side, each with its own TTFT and tokens/s.")
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.columns.addWidget(hint)
        layout.addWidget(self.columns_box, 1)

    def set_quire(self, quire: Any) -> None:
        self.quire = quire

    def set_health(self, report: dict[str, Any]) -> None:
        """Tick the providers that can answer now (until the user has chosen for themselves)."""
        for name, check in self.checks.items():
            health = report.get(name)
            if health is None:
                continue
            check.setToolTip("ready" if health.ok else f"unavailable: {health.error}")
            if not self.user_chose:
                check.setChecked(health.ok)

    def busy(self) -> bool:
        return any(not run.done for run in self.runs)

    def compare(self, question: str | None = None) -> None:
        question = (question or self.question.text()).strip()
        chosen = [name for name, check in self.checks.items() if check.isChecked()]
        if not question or not chosen or self.quire is None or self.busy():
            return
        while self.columns.count():
            item = self.columns.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.runs = []
        self.prefer_buttons: list[PreferButton] = []
        for index, name in enumerate(chosen):
            column = QFrame()
            inner = QVBoxLayout(column)
            inner.setContentsMargins(0, 0, 0, 0)
            title = QLabel(PROVIDER_LABELS[name])
            title.setObjectName("panelTitle")
            inner.addWidget(title)
            bubble = MessageBubble(Message("assistant", ""))
            if self.on_citation:
                bubble.citation_clicked.connect(self.on_citation)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(0, 0, 0, 0)
            holder_layout.addWidget(bubble)
            holder_layout.addStretch(1)
            scroll.setWidget(holder)
            inner.addWidget(scroll, 1)
            better = PreferButton()
            better.clicked.connect(lambda _=False, n=index: self.prefer(n))
            inner.addWidget(better)
            self.prefer_buttons.append(better)
            self.columns.addWidget(column, 1)
            model = self.local_model() if name == "local" else None
            worker = AnswerWorker(self.quire, question, name, model, parent=self)
            self.runs.append(AnswerRun(worker, bubble, self._run_done))
            worker.start()
        self.go.setEnabled(False)
        self.stop_button.show()

    def _chosen(self) -> None:
        self.user_chose = True

    def _run_done(self, _run: AnswerRun) -> None:
        if not self.busy():
            self.go.setEnabled(True)
            self.stop_button.hide()
            answered = [run.worker.answer_id is not None for run in self.runs]
            for button, ok in zip(self.prefer_buttons, answered, strict=True):
                button.setEnabled(ok and sum(answered) > 1)

    def prefer(self, index: int) -> None:
        """The user marked one column's answer better than the others (kept in metrics.sqlite3)."""
        ids = [run.worker.answer_id for run in self.runs]
        better = ids[index]
        for n, button in enumerate(self.prefer_buttons):
            button.setChecked(n == index)
        if better is None or self.quire is None:
            return
        worse = [i for n, i in enumerate(ids) if n != index and i is not None]
        metrics = self.quire.metrics
        run_job(lambda: metrics.prefer(better, worse), owner=self)

    def stop(self) -> None:
        for run in self.runs:
            run.stop()

    def shutdown(self) -> None:
        self.stop()
        for run in self.runs:
            run.worker.wait(10000)
