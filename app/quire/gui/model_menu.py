"""The toolbar's model menu (this chat's LoRA adapter, recommended models, paused downloads) and the
window's model chores kept out of main_window: ratings, the Models settings tab, shutting down."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMenu, QMessageBox, QToolButton, QWidget

from quire.gui.workers import run_job

log = logging.getLogger(__name__)


class ModelMenu(QToolButton):
    """ "Models ▾": the adapter this chat uses (none, or a GGUF LoRA with a scale) and the catalog."""

    adapter_changed = Signal(object)  # "FILE:SCALE" or None
    open_models = Signal()
    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setText("Models")
        self.setToolTip("Recommended models, downloads and this chat's LoRA adapter")
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self.fill)
        self.setMenu(self.menu_)
        self.adapter: str | None = None
        self.recent: list[str] = []
        self.settings: Any = None
        self.base_model: Any = lambda: None  # the local model's path, from the window

    def adapter_text(self) -> str | None:
        return self.adapter

    def fill(self) -> None:
        menu = self.menu_
        menu.clear()
        menu.addSection("LoRA adapter for this chat")
        none = menu.addAction("No adapter")
        none.setCheckable(True)
        none.setChecked(self.adapter is None)
        none.triggered.connect(lambda: self.set_adapter(None))
        for text in self.recent:
            action = menu.addAction(Path(text.rsplit(":", 1)[0]).name + f" × {text.rsplit(':', 1)[1]}")
            action.setCheckable(True)
            action.setChecked(text == self.adapter)
            action.triggered.connect(lambda _=False, t=text: self.set_adapter(t))
        menu.addAction("Attach an adapter…", self.choose_adapter)
        menu.addSeparator()
        menu.addAction("Recommended models and downloads…", self.open_models.emit)
        if self.settings is not None:
            from quire.models.download import pending_downloads

            for item in pending_downloads(self.settings):
                share = f"{item.done / item.size:.0%}" if item.size else ""
                menu.addAction(f"Resume {Path(item.file).name} ({share})…", self.open_models.emit)

    def choose_adapter(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Attach a LoRA adapter", str(Path.home()), "GGUF adapters (*.gguf)"
        )
        if not path:
            return
        scale, ok = QInputDialog.getDouble(
            self, "Adapter scale", "Scale (1 = as trained):", 1.0, -4.0, 4.0, 2
        )
        if ok:
            self.try_adapter(f"{path}:{scale:g}")

    def try_adapter(self, text: str) -> None:
        """Checked against the local model in a worker; refused (with the reason) when it does not fit."""
        base = self.base_model()

        def check() -> str | None:
            from quire.models.adapters import check_adapter, parse_adapter

            choice = parse_adapter(text)
            if base is None:
                return "no local model to attach it to"
            report = check_adapter(choice.path, Path(base))
            return None if report.ok else f"{choice.path.name}: {report.detail}"

        def done(problem: str | None) -> None:
            if problem:
                self.refused.emit(problem)
                return
            if text not in self.recent:
                self.recent = [text, *self.recent][:5]
            self.set_adapter(text)

        run_job(check, done, self.refused.emit, owner=self)

    def set_adapter(self, text: str | None) -> None:
        self.adapter = text
        label = "Models" if text is None else f"Models · {Path(text.rsplit(':', 1)[0]).stem}"
        self.setText(label)
        self.adapter_changed.emit(text)


class ModelsController:
    """What the window does for models; main_window keeps a few lines that call it."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.menu = ModelMenu()
        self.menu.open_models.connect(lambda: self.open_settings(models=True))
        self.menu.refused.connect(self._refused)
        self.menu.base_model = self._base_model
        self.panel: Any = None

    def started(self, quire: Any) -> None:
        self.menu.settings = quire.settings

    def _base_model(self) -> str | None:
        from quire.errors import ModelError
        from quire.providers.local import resolve_model

        quire = self.window.quire
        if quire is None:
            return None
        try:
            return str(resolve_model(quire.settings, self.window.local_model()))
        except ModelError:
            return None

    def _refused(self, problem: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, "Adapter refused", problem, parent=self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def adapter_for(self, provider: str) -> str | None:
        return self.menu.adapter if provider in ("local", "auto") else None

    def new_chat(self) -> None:
        self.menu.set_adapter(None)  # an adapter is chosen per chat

    def rate(self, message: Any, good: bool | None) -> None:
        """A thumb on an answer: into the chat history and beside its figures in metrics.sqlite3."""
        message.rating = good
        window = self.window
        if window.history is not None:
            window.history.update(message)
        if message.answer_id is not None and window.quire is not None:
            quire, answer_id = window.quire, message.answer_id
            run_job(
                lambda: quire.rate(answer_id, good), lambda _: window.metrics_view.refresh(), owner=window
            )

    def models_panel(self) -> Any:
        from quire.gui.models_panel import ModelsPanel

        self.panel = ModelsPanel(self.window.quire)
        self.panel.model_chosen.connect(lambda _name: self.window.load_models())
        return self.panel

    def open_settings(self, models: bool = False) -> Any:
        dialog = self.window.open_settings()
        if dialog is not None and models and self.panel is not None:
            dialog.tabs.setCurrentWidget(self.panel)
        return dialog

    def shutdown(self) -> None:
        if self.panel is not None:
            with contextlib.suppress(RuntimeError):  # the dialog and its panel are gone already
                self.panel.shutdown()
