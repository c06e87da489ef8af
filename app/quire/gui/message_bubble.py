"""One message in the chat: text that grows as tokens arrive, citation chips, the metrics line.

The answer card reads top to bottom: the quick answer, the answer, flags, the source chips, the
metrics line (styled by resources/quire.qss through the object names)."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCursor, QGuiApplication, QTextDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLayoutItem,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from quire.gui.history import Message, Source
from quire.gui.labels import literal
from quire.gui.rating import RatingButtons
from quire.gui.style import current, repolish, space
from quire.gui.workers import AnswerWorker


def format_metrics(metrics: Any, provider: str = "", model: str = "", live: bool = False) -> str:
    """ "TTFT 0.41 s · 37.2 tok/s · 2.10 s total · 64 tokens · local · model" (– while unknown)."""
    get = metrics.get if isinstance(metrics, dict) else lambda key: getattr(metrics, key, None)
    ttft = get("ttft_s")
    rate = get("tokens_per_s")
    parts = [
        f"TTFT {ttft:.2f} s" if ttft is not None else "TTFT –",
        f"{rate:.1f} tok/s" if rate else "– tok/s",
        f"{get('total_s') or 0:.2f} s total",
        f"{get('output_tokens') or 0} tokens",
    ]
    parts += [p for p in (provider, model) if p]
    return ("● " if live else "") + " · ".join(parts)


class FlowLayout(QLayout):
    """Lays chips left to right and wraps them, like words in a paragraph."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt's name)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802
        return self.minimumSize()

    def minimumSize(self) -> QSize:  # noqa: N802
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _arrange(self, rect: QRect, move: bool) -> int:
        x, y, line = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            if x + hint.width() > rect.right() and line > 0:
                x, y, line = rect.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(x, y, hint.width(), hint.height()))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y()


NOTHING_DIRECT = "No sentence in your documents answers this directly."
NOT_FOUND_TIP = "Not found in your documents: no source says this. Check it before you rely on it."
UNSUPPORTED_BANNER = (
    "The numbers and names in this answer are not in your documents. Rely on the sentences quoted "
    "from them above."
)
NOT_IN_DOCUMENTS_BANNER = (
    "Your documents do not answer this. The numbers and names in this answer come from the model, "
    "not from your library."
)


mnemonic_safe = literal  # user text as a button label: Qt reads "&" as a shortcut marker


def quick_html(quick: str) -> str:
    """The quick answer with each [n] a link that opens that source at the quoted sentence."""
    escaped = html.escape(quick).replace("\n", "<br>")
    return re.sub(r"\[(\d+)\]", r'<a href="quire-cite:\1">[\1]</a>', escaped)


def flagged_html(markdown: str, flags: list[str]) -> str:
    """The answer rendered from Markdown, each unsupported number or name a marked link."""
    document = QTextDocument()
    document.setMarkdown(markdown)
    whole = document.toHtml()
    # only the body is marked ("4" must not be found in the DOCTYPE's "HTML 4.0"), and without the
    # document's own font, which would override the chat text size the style sheet sets
    start = whole.find("<body")
    start = whole.find(">", start) + 1 if start >= 0 else 0
    body = whole[start:]
    colour = current().error  # the theme's: readable on a light or a dark card
    for n, term in enumerate(flags):
        escaped = html.escape(term, quote=False)
        # the colour on a span inside the link too: some styles paint links with the palette's colour
        style = f"color:{colour}; text-decoration: underline;"
        marked = f'<a href="quire-flag:{n}" style="{style}"><span style="{style}">{escaped}</span></a>'
        body = re.sub(rf"(?<![\w>]){re.escape(escaped)}(?![\w<])", lambda _m, m=marked: m, body, count=1)
    body = "<html><body>" + body
    return body


class CitationChip(QPushButton):
    def __init__(self, source: Source, parent: QWidget | None = None) -> None:
        super().__init__(mnemonic_safe(source.label), parent)
        self.source = source
        self.setObjectName("citationChip")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{source.path}\n\n{source.text[:400]}")
        self.setProperty("cited", source.cited)


class MessageBubble(QFrame):
    """One message; an assistant's grows as tokens arrive and ends with chips and metrics."""

    citation_clicked = Signal(object)  # Source

    def __init__(self, message: Message, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = message
        self.setObjectName("userBubble" if message.role == "user" else "answerBubble")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(space(4), space(3), space(4), space(3))
        layout.setSpacing(space(2))
        # The quick answer: sentences quoted from the sources, shown before any model has written.
        self.quick = QLabel()
        self.quick.setObjectName("quickAnswer")
        self.quick.setWordWrap(True)
        self.quick.setTextFormat(Qt.TextFormat.RichText)
        self.quick.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.LinksAccessibleByMouse
        )
        self.quick.linkActivated.connect(self._open_cited)
        self.quick.hide()
        layout.addWidget(self.quick)
        # Under a quick answer, the model's text is labelled as such: quoted and written look alike.
        self.byline = QLabel()
        self.byline.setObjectName("modelByline")
        self.byline.hide()
        layout.addWidget(self.byline)
        self.body = QLabel()
        self.body.setObjectName("messageBody")
        self.body.setWordWrap(True)
        # answers often come as Markdown (lists, bold); the question is shown as typed
        answer = message.role == "assistant"
        self.body.setTextFormat(Qt.TextFormat.MarkdownText if answer else Qt.TextFormat.PlainText)
        self.body.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.body.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.body.linkHovered.connect(self._explain_flag)
        self.body.linkActivated.connect(self._explain_flag)
        layout.addWidget(self.body)
        # flags come after the answer they are about, before the sources
        self.warning = QLabel(UNSUPPORTED_BANNER)
        self.warning.setObjectName("unsupportedBanner")
        self.warning.setWordWrap(True)
        self.warning.hide()
        layout.addWidget(self.warning)
        self.notice = QLabel()
        self.notice.setObjectName("messageNotice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        layout.addWidget(self.notice)
        self.chips = QWidget()
        self.chips_layout = FlowLayout(self.chips)
        self.chips.hide()
        layout.addWidget(self.chips)
        # Sources the answer did not use fold under one button: the used ones read first.
        self.more_button = QToolButton()
        self.more_button.setObjectName("alsoRetrieved")
        self.more_button.setCheckable(True)
        self.more_button.setAutoRaise(True)
        self.more_button.toggled.connect(self._show_more)
        self.more_button.hide()
        layout.addWidget(self.more_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.more = QWidget()
        self.more_layout = FlowLayout(self.more)
        self.more.hide()
        layout.addWidget(self.more)
        footer = QHBoxLayout()
        self.metrics_line = QLabel()
        self.metrics_line.setObjectName("metricsLine")
        self.metrics_line.setWordWrap(True)  # a narrow compare column wraps it, never clips it
        self.metrics_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        footer.addWidget(self.metrics_line, 1)
        self.copy_button = QToolButton()
        self.copy_button.setText("Copy")
        self.copy_button.setToolTip("Copy the answer and its sources")
        self.copy_button.setAutoRaise(True)
        self.copy_button.clicked.connect(self.copy_text)
        footer.addWidget(self.copy_button)
        self.rating = RatingButtons()
        footer.addWidget(self.rating)
        layout.addLayout(footer)
        if message.role == "user":
            self.metrics_line.hide()
            self.copy_button.hide()
        self.rating.hide()
        self.refresh()

    def refresh(self) -> None:
        message = self.message
        self.show_quick(message.quick)
        if message.flags and message.text:
            self.body.setTextFormat(Qt.TextFormat.RichText)
            self.body.setText(flagged_html(message.text, message.flags))
        else:
            self.body.setText(message.text or ("…" if message.role == "assistant" else ""))
        self.body.setVisible(bool(message.text) or not (message.error or message.quick))
        nothing_quoted = message.quick in ("", NOTHING_DIRECT)
        self.warning.setText(NOT_IN_DOCUMENTS_BANNER if nothing_quoted else UNSUPPORTED_BANNER)
        self.warning.setVisible(message.unsupported and bool(message.text))
        self.byline.setText(f"<b>Written by {message.model or 'the model'}</b>")
        self.byline.setVisible(bool(message.quick and message.text) and not message.data.get("not_asked"))
        notes = [n for n in (message.notice, message.error) if n]
        self.notice.setText("\n".join(notes))
        self.notice.setProperty("error", bool(message.error))
        repolish(self.notice)
        self.notice.setVisible(bool(notes))
        if message.metrics is not None:
            self.metrics_line.setText(format_metrics(message.metrics, message.provider, message.model))
        self.set_sources(message.sources)
        self.rating.set_value(message.rating)
        self.rating.setVisible(message.role == "assistant" and message.answer_id is not None)

    def show_quick(self, quick: str) -> None:
        if quick == NOTHING_DIRECT:
            self.quick.setText(f"<b>From your documents</b><br><i>{NOTHING_DIRECT}</i>")
        elif quick:
            self.quick.setText(f"<b>From your documents</b><br>{quick_html(quick)}")
        self.quick.setVisible(bool(quick))

    def set_sources(self, sources: list[Source]) -> None:
        """Chips for the sources: those the answer used first, the others folded under "also retrieved"."""
        for layout in (self.chips_layout, self.more_layout):
            while layout.count():
                item = layout.takeAt(0)
                if item and item.widget():
                    item.widget().deleteLater()
        used = [s for s in sources if s.cited] or sources
        others = [s for s in sources if s not in used]
        for source in sources:
            chip = CitationChip(source)
            chip.clicked.connect(lambda _=False, s=source: self.citation_clicked.emit(s))
            (self.chips_layout if source in used else self.more_layout).addWidget(chip)
        self.chips.setVisible(bool(used))
        self.more_button.setText(f"Also retrieved ({len(others)})")
        self.more_button.setVisible(bool(others))
        self.more.setVisible(bool(others) and self.more_button.isChecked())

    def _show_more(self, shown: bool) -> None:
        self.more.setVisible(shown and self.more_layout.count() > 0)

    def _open_cited(self, link: str) -> None:
        if link.startswith("quire-cite:"):
            n = int(link.split(":", 1)[1])
            source = next((s for s in self.message.sources if s.n == n), None)
            if source is not None:
                self.citation_clicked.emit(source)

    def _explain_flag(self, link: str) -> None:
        if link.startswith("quire-flag:"):
            QToolTip.showText(QCursor.pos(), NOT_FOUND_TIP, self.body)

    def append(self, text: str) -> None:
        self.message.text += text
        self.body.setText(self.message.text)
        if self.message.quick and self.byline.isHidden():
            self.byline.setText("<b>Written by the model</b>")
            self.byline.show()

    def show_live(self, metrics: Any, provider: str = "", model: str = "") -> None:
        self.metrics_line.setText(format_metrics(metrics, provider, model, live=True))

    def copy_text(self) -> None:
        """The answer and, below it, the sources it used (all it was given, when it used none)."""
        QGuiApplication.clipboard().setText(answer_with_sources(self.message))

    def chip_buttons(self) -> list[CitationChip]:
        """The chips of the sources the answer used (the others: folded_chips)."""
        return self.chips.findChildren(CitationChip)

    def folded_chips(self) -> list[CitationChip]:
        return self.more.findChildren(CitationChip)


def answer_with_sources(message: Message) -> str:
    used = [s for s in message.sources if s.cited] or message.sources
    if not used:
        return message.text
    lines = [f"{s.label} — {s.path}" for s in used]
    return message.text.rstrip() + "\n\nSources:\n" + "\n".join(lines)


class AnswerRun:
    """Binds one AnswerWorker to one bubble: streams into it and fills in the message at the end."""

    def __init__(
        self,
        worker: AnswerWorker,
        bubble: MessageBubble,
        on_finished: Callable[[AnswerRun], None] | None = None,
        notice: str = "",
    ) -> None:
        self.worker = worker
        self.bubble = bubble
        self.on_finished = on_finished
        self.message = bubble.message
        self.message.notice = notice
        self.done = False
        self._stream: Any = None
        worker.started_stream.connect(self._on_stream)
        worker.piece.connect(bubble.append)
        worker.live.connect(self._on_live)
        worker.answered.connect(self._on_answer)
        worker.failed.connect(self._on_failed)
        worker.piece.connect(self._first_piece)
        self._asked = time.monotonic()
        self._waiting = "Searching the library…"
        self._clock = QTimer(bubble)  # the wait before the first token is counted, not left blank
        self._clock.setInterval(100)
        self._clock.timeout.connect(self._tick)
        self._clock.start()
        self._tick()

    def _tick(self) -> None:
        self.bubble.metrics_line.setText(f"{self._waiting} {time.monotonic() - self._asked:.1f} s")

    def _first_piece(self, _text: str) -> None:
        self._clock.stop()

    def _on_stream(self, stream: Any) -> None:
        self._stream = stream
        scope_note = getattr(stream, "scope_note", None)
        if scope_note:
            self.message.notice = "\n".join(n for n in (self.message.notice, scope_note) if n)
            self.bubble.refresh()
        quick = getattr(stream, "quick", None)
        if quick is not None and not quick.sentences and stream.hits:
            self.message.quick = NOTHING_DIRECT  # said plainly, before the model may guess
            self.bubble.show_quick(self.message.quick)
        if quick is not None and quick.sentences:
            self.message.quick = quick.text
            quoted = {s.n: s.text for s in reversed(quick.sentences)}
            self.message.sources = [
                Source(n, h.path, h.page, h.slide, h.heading, h.text, n in quoted, quoted.get(n), h.location)
                for n, h in enumerate(stream.hits, start=1)
            ]
            self.bubble.show_quick(self.message.quick)
            self.bubble.set_sources(self.message.sources)
        self._waiting = f"● waiting for the first token · {stream.provider.name} ·"
        self._tick()

    def _on_live(self, metrics: Any) -> None:
        provider = self._stream.provider if self._stream is not None else None
        self.bubble.show_live(metrics, getattr(provider, "name", ""), getattr(provider, "model", ""))

    def _on_answer(self, answer: Any) -> None:
        stream = self._stream
        hits = getattr(stream, "hits", [])
        self.message.text = answer.answer or self.message.text
        self.message.sources = [
            Source(
                c.n,
                c.path,
                c.page,
                c.slide,
                c.heading,
                hits[c.n - 1].text if c.n <= len(hits) else "",
                c.cited,
                c.quoted or _supporting(answer, c.n),
                c.location,
            )
            for c in answer.citations
        ]
        quick = answer.quick_answer
        if not self.message.quick and quick is not None and quick.sentences:  # a set's, after reading
            self.message.quick = quick.text
        self.message.flags = [t for s in answer.support for t in s.unsupported]
        self.message.unsupported = answer.unsupported_answer
        asked = answer.stop_reason != "not_found"  # nothing to quote: Quire said so, no model wrote it
        self.message.metrics = asdict(answer.metrics) if asked else None
        if not asked:
            self.message.data["not_asked"] = True
        self.message.provider = answer.provider
        self.message.model = answer.model
        self.message.answer_id = getattr(self.worker, "answer_id", None)
        notes = [self.message.notice] if self.message.notice else []
        if answer.fallback_from:
            reason = getattr(stream, "fallback_reason", None) or "unavailable"
            notes.append(f"Answered by {answer.provider}: {answer.fallback_from} was unavailable ({reason}).")
        if answer.notice:
            notes.append(answer.notice[0].upper() + answer.notice[1:] + ".")
        if answer.error:
            if answer.partial and "stopped by the user" not in answer.error:
                notes.append(
                    f"{answer.provider} failed mid-answer: {answer.error}. The partial answer is kept."
                )
            elif answer.partial:
                notes.append("Stopped: the answer is incomplete.")
            else:
                self.message.error = answer.error
        if not answer.citations and not answer.error:
            notes.append("Nothing in the library matched: this answer has no sources.")
        self.message.notice = "\n".join(notes)
        self._finish()

    def _on_failed(self, error: str) -> None:
        self.message.error = error
        self._finish()

    def _finish(self) -> None:
        self._clock.stop()
        self.done = True
        self.bubble.refresh()
        if not self.message.metrics:
            self.bubble.metrics_line.setText("")
        if self.on_finished:
            self.on_finished(self)

    def stop(self) -> None:
        self.worker.stop()


def _supporting(answer: Any, n: int) -> str | None:
    """The sentence of source n that the claim check found behind the answer (to highlight in it)."""
    return next((s.quoted for s in answer.support if s.n == n and s.quoted and not s.unsupported), None)
