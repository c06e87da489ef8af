"""A notice bar: one message with an optional action (Undo, Set up…) and a dismiss cross.

Kinds: info, warn, error (styled by the qss through the `kind` property)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from quire.gui.labels import literal
from quire.gui.style import repolish, space


class NoticeBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noticeBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(space(2), space(1), space(1), space(1))
        row.setSpacing(space(2))
        self.label = QLabel()
        self.label.setObjectName("noticeText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        self.action = QPushButton()
        self.action.setObjectName("noticeAction")
        self.action.hide()
        self.action.clicked.connect(self._act)
        row.addWidget(self.action, 0, Qt.AlignmentFlag.AlignTop)
        self.dismiss = QToolButton()
        self.dismiss.setObjectName("noticeDismiss")
        self.dismiss.setText("✕")
        self.dismiss.setAutoRaise(True)
        self.dismiss.setToolTip("Dismiss")
        self.dismiss.clicked.connect(self.hide)
        row.addWidget(self.dismiss, 0, Qt.AlignmentFlag.AlignTop)
        self._callback: Callable[[], None] | None = None
        self._expire = QTimer(self)
        self._expire.setSingleShot(True)
        self._expire.timeout.connect(self.hide)
        self.hide()

    def show_message(
        self,
        text: str,
        kind: str = "info",
        action: str = "",
        on_action: Callable[[], None] | None = None,
        hide_after_ms: int = 0,
    ) -> None:
        self.label.setText(text)
        self.setProperty("kind", kind)
        repolish(self)
        repolish(self.label)
        self._callback = on_action
        self.action.setText(literal(action))
        self.action.setVisible(bool(action))
        self._expire.stop()
        if hide_after_ms:
            self._expire.start(hide_after_ms)
        self.show()

    def text(self) -> str:
        return self.label.text()

    def kind(self) -> str:
        return str(self.property("kind") or "info")

    def _act(self) -> None:
        callback, self._callback = self._callback, None
        self.hide()
        if callback is not None:
            callback()
