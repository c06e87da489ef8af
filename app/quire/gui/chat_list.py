"""The list of chats beside the conversation: new, rename, delete, search. It shows and emits;
the window does the work (through ChatHistory)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


class ChatList(QWidget):
    chat_selected = Signal(int)
    new_requested = Signal()
    rename_requested = Signal(int, str)
    delete_requested = Signal(int)
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chatList")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        top = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search chats")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.search_changed)
        top.addWidget(self.search, 1)
        self.new_button = QToolButton()
        self.new_button.setText("New")
        self.new_button.setToolTip("Start a new chat (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.items = QListWidget()
        self.items.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # long titles elide
        self.items.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.items.itemClicked.connect(self._clicked)
        self.items.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.items.customContextMenuRequested.connect(self._menu)
        layout.addWidget(self.items, 1)
        buttons = QHBoxLayout()
        self.rename_button = QToolButton()
        self.rename_button.setText("Rename")
        self.rename_button.clicked.connect(lambda: self.ask_rename(self.selected_id()))
        self.delete_button = QToolButton()
        self.delete_button.setText("Delete")
        self.delete_button.clicked.connect(lambda: self.ask_delete(self.selected_id()))
        buttons.addWidget(self.rename_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.confirm_delete = True  # tests answer the question themselves

    def show_chats(self, chats: list[Any], current: int | None) -> None:
        """ChatSummary records, newest first; `current` is marked selected."""
        self.items.blockSignals(True)
        self.items.clear()
        for chat in chats:
            when = dt.datetime.fromtimestamp(chat.updated_at).strftime("%d %b %H:%M")
            item = QListWidgetItem(f"{chat.title or 'Untitled chat'}\n{when}")
            item.setData(Qt.ItemDataRole.UserRole, chat.id)
            item.setToolTip(chat.title)
            self.items.addItem(item)
            if chat.id == current:
                item.setSelected(True)
                self.items.setCurrentItem(item)
        self.items.blockSignals(False)
        has = self.selected_id() is not None
        self.rename_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def chat_ids(self) -> list[int]:
        return [self.items.item(n).data(Qt.ItemDataRole.UserRole) for n in range(self.items.count())]

    def titles(self) -> list[str]:
        return [self.items.item(n).text().split("\n", 1)[0] for n in range(self.items.count())]

    def selected_id(self) -> int | None:
        item = self.items.currentItem()
        return None if item is None or not item.isSelected() else item.data(Qt.ItemDataRole.UserRole)

    def _clicked(self, item: QListWidgetItem) -> None:
        self.chat_selected.emit(item.data(Qt.ItemDataRole.UserRole))

    def _menu(self, point: Any) -> None:
        item = self.items.itemAt(point)
        if item is None:
            return
        chat_id = item.data(Qt.ItemDataRole.UserRole)
        menu = QMenu(self)
        menu.addAction("Rename…", lambda: self.ask_rename(chat_id))
        menu.addAction("Delete…", lambda: self.ask_delete(chat_id))
        menu.popup(self.items.viewport().mapToGlobal(point))

    def ask_rename(self, chat_id: int | None, title: str | None = None) -> None:
        if chat_id is None:
            return
        if title is None:
            current = next(
                (t for i, t in zip(self.chat_ids(), self.titles(), strict=True) if i == chat_id), ""
            )
            title, ok = QInputDialog.getText(self, "Rename chat", "Title:", text=current)
            if not ok:
                return
        if title.strip():
            self.rename_requested.emit(chat_id, title.strip())

    def ask_delete(self, chat_id: int | None) -> None:
        if chat_id is None:
            return
        if self.confirm_delete:
            answer = QMessageBox.question(self, "Delete chat?", "Delete this chat? This cannot be undone.")
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.delete_requested.emit(chat_id)


class ChatPane(QSplitter):
    """The Chat tab: the chat list on the left, the conversation on the right."""

    def __init__(self, chat_list: ChatList, chat_view: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.addWidget(chat_list)
        self.addWidget(chat_view)
        self.setStretchFactor(1, 1)
        self.setSizes([220, 620])
