"""The window's providers and local models: health dots, the set-up prompt for a provider that is
not set up, the model picker's choice; all through Quire (the window never makes a provider)."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from quire.gui.toolbar import PROVIDER_NAMES
from quire.gui.workers import run_job

log = logging.getLogger(__name__)


class ProvidersMixin:
    """Part of MainWindow: self is the window."""

    def choose_provider(self, name: str) -> None:
        if self.quire is None:
            return
        self.banner.hide()
        self.quire.settings.set("providers.default", name)
        self.quire.settings.save()

    def offer_set_up(self, name: str) -> None:
        """A provider that is not set up was picked: say so, and offer its Settings tab."""
        label = PROVIDER_NAMES[name]
        reason = self.health.get(name)
        detail = f" ({reason.error})" if reason is not None and reason.error else ""
        self.banner.show_message(
            f"{label} not set up{detail}. Quire keeps answering with {PROVIDER_NAMES[self.provider()]}.",
            "warn",
            "Set up…",
            lambda: self.open_settings(focus=name),
        )

    def provider(self) -> str:
        return self.toggle.choice()

    def check_health(self) -> None:
        if self.quire is None:
            return
        quire = self.quire
        run_job(
            quire.provider_health,
            self.show_health,
            lambda error: log.warning("health check failed: %s", error),
            owner=self,
        )

    def show_health(self, report: dict[str, Any]) -> None:
        self.health = report
        self.health_checked = True
        self.compare.set_health(report)
        self.toggle.show_report(report, self.quire.settings.get("providers.order"))

    def load_models(self) -> None:
        run_job(self.quire.local_models, self.show_models, owner=self)

    def show_models(self, models: list[Any]) -> None:
        self.model_picker.show_models(models, self.quire)

    def local_model(self) -> str | None:
        return self.model_picker.currentData()

    def model_chosen(self, name: str) -> None:
        self.model_error = ""
        self.warm_label.setText(f"Local model: {name}")
        self.check_health()

    def refuse_model(self, error: str) -> None:
        self.model_error = error
        self.warm_label.setText("That model cannot be used")
        box = QMessageBox(QMessageBox.Icon.Warning, "Model not usable", error, parent=self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # window-modal, not a nested event loop: answers keep streaming
