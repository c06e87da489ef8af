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
# What each one is, in plain words, for tooltips and prompts.
PROVIDER_NAMES = {
    "local": "The local model",
    "lan": "LAN server",
    "oci": "OCI Generative AI",
    "auto": "Auto",
}
SLOW_MS = 1500  # a health check slower than this makes the dot amber


def health_sentence(name: str, health: Any) -> tuple[str, str]:
    """(dot state, sentence) for one provider's health: "LAN server not set up", "… ready"."""
    label = PROVIDER_NAMES[name]
    if not health.configured:
        return "unset", f"{label} not set up — Settings ▸ Providers"
    if not health.ok:
        return "down", f"{label} unavailable: {health.error}"
    slow = health.latency_ms is not None and health.latency_ms > SLOW_MS
    latency = f", answered in {health.latency_ms:.0f} ms" if health.latency_ms is not None else ""
    model = f" ({health.model}{latency})" if health.model else ""
    return ("warn", f"{label} ready{model} — slow to respond") if slow else ("ok", f"{label} ready{model}")


class ProviderToggle(QWidget):
    """A segmented control: one checkable button per provider, each with a health dot. A provider
    that is not set up cannot be picked: it asks for its Settings instead (set_up_requested)."""

    changed = Signal(str)
    set_up_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        self.unset: set[str] = set()
        self._choice = "local"
        for index, (name, label) in enumerate(PROVIDERS):
            button = QToolButton()
            button.setText(label)
            button.setCheckable(True)
            button.setObjectName("providerButton")
            button.setProperty("segment", "first" if index == 0 else "last" if index == 3 else "middle")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setIcon(icons.health_dot("unknown"))
            button.setToolTip(f"{PROVIDER_NAMES[name]}: checking…")
            button.clicked.connect(lambda _=False, n=name: self._clicked(n))
            self.group.addButton(button)
            self.buttons[name] = button
            layout.addWidget(button)

    def _clicked(self, name: str) -> None:
        if name in self.unset:
            self.buttons[self._choice].setChecked(True)  # the choice stays where it was
            self.set_up_requested.emit(name)
            return
        self._choice = name
        self.changed.emit(name)

    def choice(self) -> str:
        return self._choice

    def set_choice(self, name: str) -> None:
        self._choice = name if name in self.buttons else "local"
        self.buttons[self._choice].setChecked(True)

    def set_health(self, name: str, state: str, tip: str) -> None:
        self.buttons[name].setIcon(icons.health_dot(state))
        self.buttons[name].setToolTip(tip)
        self.buttons[name].setProperty("health", state)

    def show_report(self, report: dict[str, Any], order: list[str]) -> None:
        """Dots from a health report: green ready, amber slow (or Auto falling back), red down,
        grey not set up."""
        self.unset = {name for name, health in report.items() if not health.configured}
        for name, health in report.items():
            if name in self.buttons:
                self.set_health(name, *health_sentence(name, health))
        order = [n for n in order if n in report]
        usable = [n for n in order if report[n].ok]
        if usable:
            state = "ok" if usable[0] == order[0] else "warn"
            first = PROVIDER_NAMES[usable[0]]
            tip = f"Auto: answers with {first}" + (
                "" if state == "ok" else f" ({PROVIDER_NAMES[order[0]]} is unavailable)"
            )
        else:
            state, tip = "down", "Auto: none of the providers in its order can answer now"
        self.set_health("auto", state, tip)


class ModelPicker(QComboBox):
    """Every GGUF in the models folders, with its size and quantisation. A choice is checked and
    loaded in a worker; a broken file is refused with the reason and the old choice comes back."""

    loading = Signal(str)
    chosen = Signal(str)
    refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quire: Any = None
        self.accepted_index = 0
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.setToolTip("Local model (GGUF files in the models folders)")
        self.activated.connect(self.choose)

    def show_models(self, models: list[Any], quire: Any) -> None:
        self.quire = quire
        wanted = quire.settings.get("providers.local.model")
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
        quire = self.quire
        if name is None or quire is None:
            return
        self.loading.emit(name)

        def load() -> str | None:
            with FIRST_LOAD:  # llama_cpp imports numpy: not alongside another first load
                return quire.check_local_model(name)  # loads it now, not on the first question

        def done(error: str | None) -> None:
            if error:
                self.refuse(error)
                return
            self.accepted_index = index
            quire.settings.set("providers.local.model", name)
            quire.settings.save()
            self.chosen.emit(name)

        run_job(load, done, self.refuse, owner=self)

    def refuse(self, error: str) -> None:
        self.setCurrentIndex(self.accepted_index)
        self.refused.emit(error)
