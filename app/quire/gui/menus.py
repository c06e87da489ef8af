"""The window's menus (File, Edit, View, Help) and Help ▸ Keyboard shortcuts; keys from shortcuts.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quire.gui import shortcuts
from quire.gui.shortcuts import Shortcut
from quire.gui.style import space

THEME_LABELS = (("system", "Follow the System"), ("light", "Light"), ("dark", "Dark"))


def _add(menu: QMenu, text: str, shortcut: Shortcut | None, slot: Callable[[], Any]) -> QAction:
    action = menu.addAction(text)
    if shortcut is not None:
        action.setShortcut(shortcuts.keys(shortcut))
    action.triggered.connect(lambda _=False: slot())
    return action


def build_menus(window: Any) -> dict[str, QAction]:
    """Menus over the window's own slots; returns the actions by name (for tests and toggling)."""
    bar = window.menuBar()
    actions: dict[str, QAction] = {}
    file_menu = bar.addMenu("&File")
    actions["import"] = _add(file_menu, "&Import…", shortcuts.IMPORT, window.library.choose_files)
    actions["import_folder"] = _add(
        file_menu, "Import &Folder…", shortcuts.IMPORT_FOLDER, window.library.choose_folder
    )
    file_menu.addSeparator()
    actions["new_chat"] = _add(file_menu, "&New Chat", shortcuts.NEW_CHAT, window.new_chat)
    actions["export_chat"] = _add(file_menu, "&Export Chat…", None, window.chats.export)
    file_menu.addSeparator()
    actions["settings"] = _add(file_menu, "&Settings…", shortcuts.SETTINGS, window.open_settings)
    actions["settings"].setMenuRole(QAction.MenuRole.PreferencesRole)
    file_menu.addSeparator()
    actions["quit"] = _add(file_menu, "&Quit", shortcuts.QUIT, window.close)
    actions["quit"].setMenuRole(QAction.MenuRole.QuitRole)

    edit = bar.addMenu("&Edit")
    actions["copy_answer"] = _add(
        edit, "&Copy Answer with Sources", shortcuts.COPY_ANSWER, window.copy_last_answer
    )
    edit.addSeparator()
    actions["filter_library"] = _add(
        edit, "&Filter the Library", shortcuts.FOCUS_LIBRARY_SEARCH, window.focus_library_search
    )
    actions["ask"] = _add(edit, "&Type a Question", shortcuts.FOCUS_CHAT, window.focus_question)
    actions["stop"] = _add(edit, "&Stop the Answer", shortcuts.STOP_ANSWER, window.stop_answer)
    actions["stop"].setShortcutContext(Qt.ShortcutContext.WindowShortcut)

    view = bar.addMenu("&View")
    for key, text, shortcut, index in (
        ("show_chat", "&Chat", shortcuts.SHOW_CHAT, 0),
        ("show_compare", "C&ompare", shortcuts.SHOW_COMPARE, 1),
        ("show_metrics", "&Metrics", shortcuts.SHOW_METRICS, 2),
    ):
        actions[key] = _add(view, text, shortcut, lambda i=index: window.tabs.setCurrentIndex(i))
    view.addSeparator()
    library = _add(view, "&Library", shortcuts.TOGGLE_LIBRARY, window.toggle_library)
    library.setCheckable(True)
    library.setChecked(True)
    actions["toggle_library"] = library
    view.addSeparator()
    actions["text_larger"] = _add(view, "&Larger Text", shortcuts.TEXT_LARGER, lambda: window.zoom_chat(1))
    actions["text_smaller"] = _add(
        view, "&Smaller Text", shortcuts.TEXT_SMALLER, lambda: window.zoom_chat(-1)
    )
    actions["text_reset"] = _add(view, "&Actual Size", shortcuts.TEXT_RESET, lambda: window.zoom_chat(0))
    view.addSeparator()
    appearance = view.addMenu("A&ppearance")
    group = QActionGroup(window)
    for name, text in THEME_LABELS:
        action = appearance.addAction(text)
        action.setCheckable(True)
        action.setData(name)
        group.addAction(action)
        action.triggered.connect(lambda _=False, n=name: window.choose_theme(n))
        actions[f"theme_{name}"] = action

    help_menu = bar.addMenu("&Help")
    actions["shortcuts"] = _add(
        help_menu, "&Keyboard Shortcuts", shortcuts.SHORTCUTS_HELP, window.show_shortcuts
    )
    actions["log_folder"] = _add(help_menu, "Open the &Log Folder", None, window.open_log_folder)
    help_menu.addSeparator()
    actions["about"] = _add(help_menu, "&About Quire", None, window.about)
    actions["about"].setMenuRole(QAction.MenuRole.AboutRole)
    return actions


class ShortcutsDialog(QDialog):
    """Every shortcut in shortcuts.py, by where it works."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts — Quire")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(space(4), space(4), space(4), space(4))
        title = QLabel("Keyboard shortcuts")
        title.setObjectName("panelTitle")
        layout.addWidget(title)
        rows = shortcuts.table()
        self.table = QTableWidget(len(rows), 3)
        self.table.setObjectName("shortcutsTable")
        self.table.setHorizontalHeaderLabels(["Where", "Keys", "Does"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setShowGrid(False)
        self.table.setAlternatingRowColors(True)
        for row, (where, keys, does) in enumerate(rows):
            for column, text in enumerate((where, keys, does)):
                item = QTableWidgetItem(text)
                if column == 1:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, 620)

    def listed(self) -> list[tuple[str, str, str]]:
        return [
            tuple(self.table.item(r, c).text() for c in range(3))  # type: ignore[misc]
            for r in range(self.table.rowCount())
        ]
