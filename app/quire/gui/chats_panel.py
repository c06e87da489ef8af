"""What the window does for chats (issue #14): the chat list kept in step with the history,
switching, renaming, deleting and searching chats, File ▸ Export chat, and on each answer its
filter chip (✕ asks again without the filter) and a set question's progress."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMessageBox

from quire.gui.filter_chip import add_filter_chip, filter_label, show_set_progress

log = logging.getLogger(__name__)


class ChatsPanel(QObject):
    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.window = window
        self.list = window.chat_list
        self.list.chat_selected.connect(self.select)
        self.list.new_requested.connect(window.new_chat)
        self.list.rename_requested.connect(self.rename)
        self.list.delete_requested.connect(self.delete)
        self.list.search_changed.connect(lambda _text: self.refresh())

    @property
    def history(self) -> Any:
        return self.window.history

    def busy(self) -> bool:
        run = self.window.run
        return bool(run and not run.done)

    def refresh(self) -> None:
        if self.history is None:
            return
        self.list.show_chats(self.history.chats(self.list.search.text()), self.history.chat_id)

    def select(self, chat_id: int) -> None:
        if self.history is None or self.busy() or chat_id == self.history.chat_id:
            self.refresh()
            return
        self.history.switch(chat_id)
        self.show_current()

    def show_current(self) -> None:
        chat = self.window.chat
        if self.history.current.messages:
            chat.show_messages(self.history.current.messages)
        else:
            chat.clear()
        self.restore_chips()
        self.refresh()

    def restore_chips(self) -> None:
        """The chips of answers kept in the chat (✕ asks that question again without the filter)."""
        bubbles = self.window.chat.bubbles
        for index, bubble in enumerate(bubbles):
            label = filter_label(bubble.message.data)
            if bubble.message.role != "assistant" or not label:
                continue
            question = (
                bubbles[index - 1].message.text if index and bubbles[index - 1].message.role == "user" else ""
            )
            add_filter_chip(bubble, label, self._ask_without(question) if question else None)

    def rename(self, chat_id: int, title: str) -> None:
        self.history.rename(chat_id, title)
        self.refresh()

    def delete(self, chat_id: int) -> None:
        if self.busy() and chat_id == self.history.chat_id:
            return
        self.history.delete(chat_id)
        if self.history.chat_id is None:
            self.window.chat.clear()
        self.refresh()

    def export(self, path: Path | None = None) -> Path | None:
        """File ▸ Export chat: the current chat as Markdown, with its citations."""
        if self.history is None or self.history.chat_id is None:
            QMessageBox.information(
                self.window, "Export chat", "This chat is empty: there is nothing to export."
            )
            return None
        if path is None:
            title = self.history.store.get(self.history.chat_id).title or "chat"
            safe = "".join(ch if ch.isalnum() or ch in " -_" else "_" for ch in title)[:60].strip() or "chat"
            chosen, _ = QFileDialog.getSaveFileName(
                self.window, "Export chat", str(Path.home() / f"{safe}.md"), "Markdown (*.md)"
            )
            if not chosen:
                return None
            path = Path(chosen)
        try:
            path.write_text(self.history.export_markdown(self.history.chat_id), encoding="utf-8")
        except OSError as exc:
            QMessageBox.warning(
                self.window, "Export chat", f"{path}: cannot be written ({exc.strerror or exc})"
            )
            return None
        self.window.warm_label.setText(f"Chat exported to {path}")
        return path

    # One answer ------------------------------------------------------------------------------

    def watch(self, run: Any, question: str) -> None:
        """Show the answer's filter as soon as retrieval is done, and a set question's progress."""
        bubble = run.bubble

        def started(stream: Any) -> None:
            within = getattr(stream, "within", None)
            if within is not None:
                add_filter_chip(bubble, within.describe(), self._ask_without(question))

        run.worker.started_stream.connect(started)
        run.worker.progress.connect(lambda event: show_set_progress(bubble, event))
        self.refresh()  # a new chat appears in the list with its first question

    def keep_context(self, run: Any) -> None:
        """What a follow-up needs (the question as understood, its filter, the documents read) goes
        into the message kept in the chat; the progress bar goes."""
        from quire.chat.plan import stream_context

        stream = run.worker.stream
        if stream is not None:
            run.message.data.update(stream_context(stream))
        progress = getattr(run.bubble, "set_progress", None)
        if progress is not None:
            progress.hide()

    def _ask_without(self, question: str) -> Any:
        from quire.search.filters import NO_FILTER

        def ask_again() -> None:
            self.window.ask(question, query_filter=NO_FILTER)

        return ask_again
