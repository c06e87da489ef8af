"""The window's look and dialogs: theme and chat text size, the library's visibility, Settings,
Help ▸ Keyboard Shortcuts, the log folder, About, and the sentence for an unexpected error."""

from __future__ import annotations

import platform
from typing import Any

from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QMessageBox

from quire import __version__
from quire.gui.menus import ShortcutsDialog
from quire.gui.style import CHAT_PX, apply_theme, current


class DialogsMixin:
    """Part of MainWindow: self is the window."""

    def apply_theme(self) -> None:
        app = QApplication.instance()
        if self.quire is None or not isinstance(app, QApplication):
            return
        choice = str(self.quire.settings.get("gui.theme"))
        app.setProperty("quireTheme", choice)
        apply_theme(app, choice, int(self.state.get("chat/text_px", CHAT_PX)))
        for name in ("system", "light", "dark"):
            self.actions[f"theme_{name}"].setChecked(name == choice)

    def choose_theme(self, choice: str) -> None:
        if self.quire is None:
            return
        self.quire.settings.set("gui.theme", choice)
        self.quire.settings.save()
        self.apply_theme()

    def zoom_chat(self, step: int) -> None:
        """Larger (1), smaller (-1) or the usual (0) chat text; remembered."""
        size = CHAT_PX if step == 0 else current().chat_px + step
        self.state.set("chat/text_px", size)
        self.apply_theme()
        self.statusBar().showMessage(f"Chat text {current().chat_px} px", 2000)

    def toggle_library(self) -> None:
        self.library.setVisible(not self.library.isVisible())
        self.actions["toggle_library"].setChecked(self.library.isVisible())

    def open_settings(self, focus: str = "") -> Any:
        from quire.gui.settings_dialog import SettingsDialog

        if self.quire is None:
            return None
        models = self.models.models_panel()
        dialog = SettingsDialog(self.quire.settings, self, quire=self.quire, focus=focus, models=models)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self.check_health)
        dialog.saved.connect(self.load_models)
        dialog.saved.connect(self.folder_watch.apply_settings)
        dialog.saved.connect(self.apply_theme)
        dialog.saved.connect(self.banner.hide)
        dialog.reincluded.connect(lambda _paths: self.library.refresh_folders())
        dialog.open()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def open_log_folder(self) -> None:
        if self.quire is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.quire.settings.log_dir)))

    def about(self) -> None:
        QMessageBox.about(self, "About Quire", about_text())

    def report_error(self, sentence: str) -> None:
        """Something unexpected happened (the traceback is in the log): one sentence in the window."""
        self.statusBar().showMessage(sentence, 15_000)


def about_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    import PySide6

    try:
        llama = version("llama_cpp_python")
    except PackageNotFoundError:
        llama = "not installed"
    return (
        f"<h3>Quire {__version__}</h3>"
        "<p>Ask your own notes, PDFs and slide decks, offline, with citations to the page.</p>"
        f"<p>Qt {qVersion()} · PySide6 {PySide6.__version__}<br>"
        f"Python {platform.python_version()}<br>llama-cpp-python {llama}</p>"
    )
