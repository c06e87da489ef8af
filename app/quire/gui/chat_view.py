"""The chat: the conversation's messages above, the input box with Send / Stop / New chat below.

The view sticks to the newest message while it grows (an answer streaming in, chips and metrics
arriving, wrapped text settling after a restart) unless the user has scrolled up to read."""

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

from quire.gui import icons, shortcuts
from quire.gui.history import Message
from quire.gui.message_bubble import MessageBubble
from quire.gui.style import repolish, space

SAMPLE_QUESTION = "What are the main points in my documents?"
COLUMN_MAX = 900  # px: the chat's column at most (about 90 characters of chat text)


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
        # one readable column, however wide the window: long lines tire the eye
        centre = QHBoxLayout(self.messages)
        centre.setContentsMargins(0, 0, 0, 0)
        self.column = QWidget()
        self.column.setObjectName("chatColumn")
        self.column.setMaximumWidth(COLUMN_MAX)
        centre.addStretch(0)
        centre.addWidget(self.column, 1)
        centre.addStretch(0)
        self.messages_layout = QVBoxLayout(self.column)
        self.messages_layout.setContentsMargins(space(6), space(4), space(6), space(4))
        self.messages_layout.setSpacing(space(4))
        self.messages_layout.addStretch(1)
        self.scroll.setWidget(self.messages)
        self.sticky = True  # at the newest message: keep it in view as it grows
        bar = self.scroll.verticalScrollBar()
        bar.rangeChanged.connect(self._range_changed)
        bar.valueChanged.connect(self._scrolled)
        self.empty = self._empty_state()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.empty)
        self.pages.addWidget(self.scroll)
        layout.addWidget(self.pages, 1)

        composer = QFrame()
        composer.setObjectName("composer")
        composer.setMaximumWidth(COLUMN_MAX)  # under the messages' column
        bar = QHBoxLayout(composer)
        bar.setContentsMargins(space(6), space(2), space(6), space(4))
        bar.setSpacing(space(2))
        self.input = ChatInput()
        self.input.setObjectName("chatInput")
        self.input.setPlaceholderText("Ask your library…  (Enter sends, Shift+Enter for a new line)")
        self.input.setFixedHeight(space(18))
        self.input.submitted.connect(self.submit)
        bar.addWidget(self.input, 1)
        buttons = QVBoxLayout()
        buttons.setSpacing(space(1))
        self.send_button = QPushButton("Send")
        self.send_button.setProperty("primary", True)
        self.send_button.setDefault(True)
        self.send_button.setToolTip(shortcuts.tip("Send the question", shortcuts.SEND))
        self.send_button.clicked.connect(self.submit)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip(shortcuts.tip("Stop the answer", shortcuts.STOP_ANSWER))
        self.stop_button.clicked.connect(self.stop_requested)
        self.stop_button.hide()
        self.new_button = QPushButton("New chat")
        self.new_button.setToolTip(shortcuts.tip("Start a new conversation", shortcuts.NEW_CHAT))
        self.new_button.clicked.connect(self.new_chat_requested)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addWidget(self.new_button)
        bar.addLayout(buttons)
        under = QHBoxLayout()
        under.addStretch(0)
        under.addWidget(composer, 1)
        under.addStretch(0)
        layout.addLayout(under)
        self.bubbles: list[MessageBubble] = []

    def _empty_state(self) -> QWidget:
        box = QFrame()
        box.setObjectName("chatEmpty")
        inner = QVBoxLayout(box)
        inner.setContentsMargins(space(10), space(6), space(10), space(6))
        inner.setSpacing(space(3))
        self.empty_icon = QLabel()
        self.empty_icon.setObjectName("emptyIcon")
        self.empty_icon.setPixmap(icons.app_icon().pixmap(72, 72))
        self.empty_icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_title = QLabel("Ask anything about your documents")
        self.empty_title.setObjectName("emptyTitle")
        self.empty_title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_title.setWordWrap(True)
        self.empty_hint = QLabel("Answers cite the file and the page or slide they come from.")
        self.empty_hint.setObjectName("emptyHint")
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setWordWrap(True)
        self.sample_button = QPushButton(f"Try: “{SAMPLE_QUESTION}”")
        self.sample_button.setObjectName("sampleQuestion")
        self.sample_button.clicked.connect(lambda: self.ask_requested.emit(SAMPLE_QUESTION))
        inner.addStretch(1)
        inner.addWidget(self.empty_icon)
        inner.addWidget(self.empty_title)
        inner.addWidget(self.empty_hint)
        inner.addWidget(self.sample_button, 0, Qt.AlignmentFlag.AlignCenter)
        inner.addStretch(1)
        return box

    def set_library_empty(self, empty: bool) -> None:
        if empty:
            self.empty_hint.setText(
                "Your library is empty: drop notes, PDFs, decks, Word files, sheets, web pages, e-books "
                "or scans anywhere on this window, or use File ▸ Import… "
                f"({shortcuts.text(shortcuts.IMPORT)})."
            )
        else:
            self.empty_hint.setText("Answers cite the file and the page or slide they come from.")
        self.sample_button.setVisible(not empty)

    def show_error_state(self, title: str, detail: str) -> None:
        """Nothing can be asked (the library cannot be opened): say why where the chat would be."""
        self.pages.setCurrentWidget(self.empty)
        self.empty.setProperty("error", True)
        repolish(self.empty)
        self.empty_icon.setPixmap(icons.standard("warning").pixmap(56, 56))
        self.empty_title.setText(title)
        self.empty_hint.setText(detail)
        self.send_button.setEnabled(False)
        self.sample_button.hide()

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
        self.sticky = True  # a restart opens at the latest message
        QTimer.singleShot(0, self.scroll_to_end)

    def add_message(self, message: Message, scroll: bool = True) -> MessageBubble:
        self.pages.setCurrentWidget(self.scroll)
        bubble = MessageBubble(message)
        bubble.citation_clicked.connect(self.citation_clicked)
        bubble.rating.rated.connect(lambda value, m=message: self.answer_rated.emit(m, value))
        row = QWidget()
        line = QHBoxLayout(row)
        # the question sits to the right, the answer has the full width
        line.setContentsMargins(space(24) if message.role == "user" else 0, 0, 0, 0)
        line.addWidget(bubble)
        self.messages_layout.insertWidget(self.messages_layout.count() - 1, row)
        self.bubbles.append(bubble)
        if scroll:  # a new question (and its answer) brings the view down to it
            self.sticky = True
            QTimer.singleShot(0, self.scroll_to_end)
        return bubble

    def _range_changed(self, _low: int, high: int) -> None:
        if self.sticky:
            self.scroll.verticalScrollBar().setValue(high)

    def _scrolled(self, value: int) -> None:
        self.sticky = value >= self.scroll.verticalScrollBar().maximum() - 2

    def follow(self) -> None:
        """Keep the newest text in view, unless the user scrolled up to read."""
        if self.sticky:
            self.scroll_to_end()

    def scroll_to_end(self) -> None:
        bar = self.scroll.verticalScrollBar()
        bar.setValue(bar.maximum())

    def last_answer(self) -> MessageBubble | None:
        answers = [b for b in self.bubbles if b.message.role == "assistant"]
        return answers[-1] if answers else None
