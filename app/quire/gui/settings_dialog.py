"""Settings: providers, local model, library store; secrets go to the OS keyring, never config.toml."""

from __future__ import annotations

import copy
import logging
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from quire.config import Settings
from quire.errors import QuireError
from quire.gui.workers import run_job

log = logging.getLogger(__name__)

SECRET_PLACEHOLDER = "stored in the OS keyring (type to replace)"


class SettingsDialog(QDialog):
    saved = Signal()

    def __init__(
        self, settings: Settings, parent: QWidget | None = None, models: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Quire Settings")
        self.setMinimumWidth(560)
        self.fields: dict[str, QWidget] = {}
        self.secrets: dict[str, QLineEdit] = {}
        self.test_results: dict[str, QLabel] = {}
        layout = QVBoxLayout(self)
        tabs = QTabWidget()
        tabs.addTab(self._providers_tab(), "Providers")
        tabs.addTab(self._local_tab(), "Local model")
        tabs.addTab(self._library_tab(), "Library")
        if models is not None:  # the catalog, downloads and model cards (gui/models_panel.py)
            tabs.addTab(models, "Models")
            self.setMinimumWidth(980)
            self.finished.connect(lambda _result: getattr(models, "shutdown", lambda: None)())
        self.tabs = tabs
        layout.addWidget(tabs)
        self.error = QLabel()
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        choice = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(choice.Save | choice.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    # Building ------------------------------------------------------------------------------------

    def _line(self, key: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(str(self.settings.get(key)))
        edit.setPlaceholderText(placeholder)
        self._mark_env(key, edit)
        self.fields[key] = edit
        return edit

    def _spin(self, key: str, low: int, high: int, special: str = "") -> QSpinBox:
        spin = QSpinBox()
        spin.setRange(low, high)
        spin.setValue(int(self.settings.get(key)))
        if special:
            spin.setSpecialValueText(special)
        self._mark_env(key, spin)
        self.fields[key] = spin
        return spin

    def _combo(self, key: str, choices: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.addItems(choices)
        combo.setCurrentText(str(self.settings.get(key)))
        self._mark_env(key, combo)
        self.fields[key] = combo
        return combo

    def _check(self, key: str, text: str) -> QCheckBox:
        box = QCheckBox(text)
        box.setChecked(bool(self.settings.get(key)))
        self._mark_env(key, box)
        self.fields[key] = box
        return box

    def _secret(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        edit.setPlaceholderText("optional; kept in the OS keyring")
        self.secrets[name] = edit

        def known(value: Any) -> None:
            if value:
                edit.setPlaceholderText(SECRET_PLACEHOLDER)

        run_job(lambda: _read_secret(name), known, owner=edit)
        return edit

    def _mark_env(self, key: str, widget: QWidget) -> None:
        if key in self.settings.env:
            widget.setEnabled(False)
            variable = "QUIRE_" + key.upper().replace(".", "__")
            widget.setToolTip(f"set by the environment variable {variable}")

    def _test_row(self, provider: str) -> QWidget:
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        button = QPushButton("Test connection")
        button.setObjectName(f"test_{provider}")
        result = QLabel()
        result.setWordWrap(True)
        self.test_results[provider] = result
        button.clicked.connect(lambda: self.test_provider(provider))
        line.addWidget(button)
        line.addWidget(result, 1)
        return row

    def _providers_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        lan = QGroupBox("LAN GPU server (OpenAI-compatible)")
        form = QFormLayout(lan)
        form.addRow("Base URL", self._line("providers.lan.url", "http://gpu-box.local:8000/v1"))
        form.addRow("Model", self._line("providers.lan.model", "as the server names it; empty = its first"))
        form.addRow("API key", self._secret("lan.api_key"))
        form.addRow("", self._test_row("lan"))
        layout.addWidget(lan)
        oci = QGroupBox("OCI Generative AI")
        form = QFormLayout(oci)
        form.addRow("Config file", self._line("providers.oci.config_file"))
        form.addRow("Profile", self._line("providers.oci.profile"))
        form.addRow("Region", self._line("providers.oci.region", "e.g. eu-frankfurt-1"))
        form.addRow("Compartment", self._line("providers.oci.compartment", "ocid1.compartment.oc1..…"))
        form.addRow("Model", self._line("providers.oci.model", "e.g. cohere.command-r-plus"))
        form.addRow("", self._test_row("oci"))
        layout.addWidget(oci)
        order = QGroupBox("Auto")
        form = QFormLayout(order)
        edit = QLineEdit(", ".join(self.settings.get("providers.order")))
        self._mark_env("providers.order", edit)
        self.fields["providers.order"] = edit
        form.addRow("Try in order", edit)
        layout.addWidget(order)
        layout.addStretch(1)
        return page

    def _local_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Threads", self._spin("providers.local.threads", 0, 256, "automatic (physical cores)"))
        layers = self._spin("providers.local.gpu_layers", -1, 999, "all (when the build offloads)")
        form.addRow("GPU layers", layers)
        form.addRow("Context (tokens)", self._spin("providers.local.context", 512, 262144))
        form.addRow("Answer length (tokens)", self._spin("providers.max_tokens", 16, 32768))
        form.addRow("", self._test_row("local"))
        return page

    def _library_tab(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.addRow("Vector store", self._combo("store.backend", ["chroma", "oracle", "auto"]))
        note = QLabel("A different store is used from the next start of Quire.")
        note.setObjectName("hint")
        form.addRow("", note)
        form.addRow("Sources per answer (k)", self._spin("retrieval.k", 1, 50))
        form.addRow("Library folders", self._check("library.watch", "Index changes as they happen"))
        rescan = self._spin("library.rescan_minutes", 0, 1440, "never")
        rescan.setSuffix(" min")
        form.addRow("…and re-scan every", rescan)
        form.addRow("Oracle DSN", self._line("oracle.dsn", "host:1521/FREEPDB1"))
        form.addRow("Oracle user", self._line("oracle.user"))
        form.addRow("Oracle password", self._secret("oracle.password"))
        return page

    # Reading back --------------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, widget in self.fields.items():
            if not widget.isEnabled():
                continue
            if isinstance(widget, QCheckBox):
                out[key] = widget.isChecked()
            elif isinstance(widget, QSpinBox):
                out[key] = widget.value()
            elif isinstance(widget, QComboBox):
                out[key] = widget.currentText()
            elif isinstance(widget, QLineEdit):
                out[key] = widget.text().strip()
        return out

    def draft(self) -> Settings:
        """A copy of the settings with the dialog's values, for testing before saving."""
        draft = copy.deepcopy(self.settings)
        for key, value in self.values().items():
            draft.set(key, value)
        return draft

    def save(self) -> None:
        try:
            draft = self.draft()
            for name, edit in self.secrets.items():
                if edit.text():
                    from quire.secrets import set_secret

                    set_secret(name, edit.text())
        except QuireError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.settings.values = draft.values
        self.settings.save()
        self.saved.emit()
        self.accept()

    def test_provider(self, name: str) -> None:
        label = self.test_results[name]
        label.setText("checking…")
        try:
            draft = self.draft()
        except QuireError as exc:
            label.setText(f"✗ {exc}")
            return

        def check() -> Any:
            from quire.providers.router import make_provider

            return make_provider(name, draft).health()

        def shown(health: Any) -> None:
            if health.ok:
                latency = f" ({health.latency_ms:.0f} ms)" if health.latency_ms else ""
                label.setText(f"✓ reachable, model {health.model}{latency}")
            else:
                label.setText(f"✗ {health.error}")

        run_job(check, shown, lambda error: label.setText(f"✗ {error}"), owner=label)


def _read_secret(name: str) -> str | None:
    from quire.secrets import get_secret

    try:
        return get_secret(name)
    except Exception:  # no keyring backend at all: nothing is stored
        return None
