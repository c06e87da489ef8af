"""The chat: the conversation's messages above, the input box with Send / Stop / New chat below."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from quire.gui.history import Message
from quire.gui.message_bubble import MessageBubble

SAMPLE_QUESTION = "What are the main points in my documents?"


class ChatInput(QPlainTextEdit):
    """Enter sends, Shift+Enter starts a new line."""

    submitted = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 (Qt's name)
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ChatView(QWidget):
    """Messages above, input below. Emits what the user wants; the window runs the workers."""

    ask_requested = Signal(str)
    stop_requested = Signal()
    new_chat_requested = Signal()
    citation_clicked = Signal(object)  # Source
    answer_rated = Signal(object, object)  # Message, True/False/None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.messages = QWidget()
        self.messages.setObjectName("chatMessages")
        self.messages_layout = QVBoxLayout(self.messages)
        self.messages_layout.setContentsMargins(12, 12, 12, 12)
        self.messages_layout.setSpacing(10)
        self.messages_layout.addStretch(1)
        self.scroll.setWidget(self.messages)
        self.empty = self._empty_state()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.scroll)
        layout.addWidget(self.pages, 1)

        bar = QHBoxLayout()
        bar.setContentsMargins(12, 0, 12, 12)
        self.input = ChatInput()
        self.input.setPlaceholderText("Ask your library…  (Enter sends, Shift+Enter for a new line)")
        self.input.setFixedHeight(64)
        self.input.submitted.connect(self.submit)
        bar.addWidget(self.input, 1)
        buttons = QVBoxLayout()
        self.send_button = QPushButton("Send")
        self.send_button.setDefault(True)
        self.send_button.clicked.connect(self.submit)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the answer (Esc)")
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.hide()
        self.new_button = QPushButton("New chat")
        self.new_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.new_button.clicked.connect(self.new_chat_requested)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.new_button)
        bar.addLayout(buttons)
        layout.addLayout(bar)
        self.bubbles: list[MessageBubble] = []

    def _empty_state(self) -> QWidget:
        box = QFrame()
        box.setObjectName("chatEmpty")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(40, 20, 40, 20)
        self.empty_title = QLabel("Ask anything about your notes, PDFs and slide decks")
        self.empty_title.setObjectName("emptyTitle")
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_title.setWordWrap(True)
        self.empty_hint = QLabel("Answers cite the file and the page or slide they come from.")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.sample_button = QPushButton(f"Try: “{SAMPLE_QUESTION}”")
        self.sample_button.setObjectName("sampleQuestion")
        self.sample_button.clicked.connect(lambda: self.ask_requested.emit(SAMPLE_QUESTION))
        inner.addStretch(1)
        inner.addWidget(self.empty_title)
        inner.addWidget(self.empty_hint)
        inner.addWidget(self.sample_button, 0, Qt.AlignmentFlag.AlignCenter)
        inner.addStretch(1)
        return box

    def set_library_empty(self, empty: bool) -> None:
        if empty:
            self.empty_hint.setText(
                "Your library is empty: drop notes (.md, .txt), PDFs or .pptx decks anywhere on this "
                "window, or use File ▸ Import… (Ctrl+O)."
            )
        else:
            self.empty_hint.setText("Answers cite the file and the page or slide they come from.")

    def submit(self) -> None:
        question = self.input.toPlainText().strip()
        if question and self.send_button.isEnabled():
            self.input.clear()
            self.ask_requested.emit(question)

    def set_busy(self, busy: bool) -> None:
        self.send_button.setEnabled(not busy)
        self.stop_button.setVisible(busy)
        self.new_button.setEnabled(not busy)

    def clear(self) -> None:
        for bubble in self.bubbles:
            bubble.parentWidget().deleteLater()
        self.bubbles = []
        self.pages.setCurrentWidget(self.empty)

    def show_messages(self, messages: list[Message]) -> None:
        self.clear()
        for message in messages:
            self.add_message(message, scroll=False)
        QTimer.singleShot(0, self.scroll_to_end)

    def add_message(self, message: Message, scroll: bool = True) -> MessageBubble:
        self.pages.setCurrentWidget(self.scroll)
        bubble = MessageBubble(message)
        bubble.citation_clicked.connect(self.citation_clicked)
        bubble.rating.rated.connect(lambda value, m=message: self.answer_rated.emit(m, value))
        row = QWidget()
        line = QHBoxLayout(row)
        # the question sits to the right, the answer has the full width
        line.setContentsMargins(96 if message.role == "user" else 0, 0, 0, 0)
        line.addWidget(bubble)
        self.messages_layout.insertWidget(self.messages_layout.count() - 1, row)
        self.bubbles.append(bubble)
        if scroll:
            QTimer.singleShot(0, self.scroll_to_end)
        return bubble

    def follow(self) -> None:
        """Keep the newest text in view while it streams, unless the user scrolled up to read."""
        bar = self.scroll.verticalScrollBar()
        if bar.maximum() - bar.value() < 120:
            QTimer.singleShot(0, self.scroll_to_end)

    def scroll_to_end(self) -> None:
        bar = self.scroll.verticalScrollBar()
        bar.setValue(bar.maximum())

    def last_answer(self) -> MessageBubble | None:
        answers = [b for b in self.bubbles if b.message.role == "assistant"]
        return answers[-1] if answers else None
