"""The toolbar's own widgets: the provider toggle with health dots, and the local model picker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QComboBox, QHBoxLayout, QToolButton, QWidget

from quire.config import DEFAULT_MODEL_FILE
from quire.gui import icons
from quire.gui.workers import FIRST_LOAD, run_job

PROVIDERS = (("local", "Local"), ("lan", "LAN GPU"), ("oci", "OCI GenAI"), ("auto", "Auto"))
SLOW_MS = 1500  # a health check slower than this makes the dot amber


class ProviderToggle(QWidget):
    """A segmented control: one checkable button per provider, each with a health dot."""

    changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        for index, (name, label) in enumerate(PROVIDERS):
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            button.setObjectName("providerButton")
            button.setProperty("segment", "first" if index == 0 else "last" if index == 3 else "middle")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setIcon(icons.health_dot("unknown"))
            button.setToolTip(f"{label}: checking…")
            button.clicked.connect(lambda _=False, n=name: self.changed.emit(n))
            self.group.addButton(button)
            self.buttons[name] = button
            layout.addWidget(button)

    def choice(self) -> str:
        for name, button in self.buttons.items():
            if button.isChecked():
                return name
        return "local"

    def set_choice(self, name: str) -> None:
        self.buttons.get(name, self.buttons["local"]).setChecked(True)

    def set_health(self, name: str, state: str, tip: str) -> None:
        self.buttons[name].setIcon(icons.health_dot(state))
        self.buttons[name].setToolTip(tip)
        self.buttons[name].setProperty("health", state)

    def show_report(self, report: dict[str, Any], order: list[str]) -> None:
        """Dots from a health report: green ready, amber slow (or Auto falling back), red down."""
        labels = dict(PROVIDERS)
        for name, health in report.items():
            if name not in self.buttons:
                continue
            if health.ok:
                slow = health.latency_ms is not None and health.latency_ms > SLOW_MS
                latency = f", {health.latency_ms:.0f} ms" if health.latency_ms is not None else ""
                tip = f"{labels[name]}: ready ({health.model}{latency})" + (
                    " — slow to respond" if slow else ""
                )
                self.set_health(name, "warn" if slow else "ok", tip)
            else:
                self.set_health(name, "down", f"{labels[name]}: unavailable — {health.error}")
        order = [n for n in order if n in report]
        usable = [n for n in order if report[n].ok]
        if usable:
            state = "ok" if usable[0] == order[0] else "warn"
            tip = f"Auto: will use {usable[0]}" + ("" if state == "ok" else f" ({order[0]} is unavailable)")
        else:
            state, tip = "down", "Auto: no provider in providers.order is available"
        self.set_health("auto", state, tip)


class ModelPicker(QComboBox):
    """Every GGUF in the models folders, with its size and quantisation. A choice is checked and
    loaded in a worker; a broken file is refused with the reason and the old choice comes back."""

    loading = Signal(str)
    chosen = Signal(str)
    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings: Any = None
        self.accepted_index = 0
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setToolTip("Local model (GGUF files in the models folders)")
        self.activated.connect(self.choose)

    def show_models(self, models: list[Any], settings: Any) -> None:
        self.settings = settings
        wanted = settings.get("providers.local.model")
        self.clear()
        for model in models:
            label = f"{model.path.stem} · {model.size / 2**20:.0f} MB · {model.quantisation}"
            self.addItem(label, model.name)
            self.setItemData(self.count() - 1, str(model.path), Qt.ItemDataRole.ToolTipRole)
        if not models:
            self.addItem("no GGUF models found", None)
        self.setCurrentIndex(max(0, self.findData(Path(wanted).name if wanted else DEFAULT_MODEL_FILE)))
        self.accepted_index = self.currentIndex()

    def choose(self, index: int) -> None:
        name = self.itemData(index)
        settings = self.settings
        if name is None or settings is None:
            return
        self.loading.emit(name)

        def load() -> str | None:
            from quire.providers.local import LocalProvider

            provider = LocalProvider(settings, name)
            health = provider.health()
            if not health.ok:
                return health.error
            with FIRST_LOAD:  # llama_cpp imports numpy: not alongside another first load
                provider.count_tokens("warm up")  # loads the model now, not on the first question
            return None

        def done(error: str | None) -> None:
            if error:
                self.refuse(error)
                return
            self.accepted_index = index
            settings.set("providers.local.model", name)
            settings.save()
            self.chosen.emit(name)

        run_job(load, done, self.refuse, owner=self)

    def refuse(self, error: str) -> None:
        self.setCurrentIndex(self.accepted_index)
        self.refused.emit(error)
