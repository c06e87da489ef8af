"""Settings: providers, the local model and its answers, the library (and what is excluded from it),
the look. Secrets go to the OS keyring, never config.toml."""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from quire.config import Settings
from quire.errors import QuireError
from quire.gui.settings_fields import SettingsFields, hint, with_hint
from quire.gui.style import space
from quire.gui.workers import FIRST_LOAD, run_job

log = logging.getLogger(__name__)

FOCUS = {"lan": "providers.lan.url", "oci": "providers.oci.region", "local": "providers.local.threads"}


class SettingsDialog(SettingsFields):
    saved = Signal()
    reincluded = Signal(list)  # paths put back from the exclude list (their folders need a refresh)

    def __init__(
        self,
        settings: Settings,
        parent: QWidget | None = None,
        quire: Any = None,
        focus: str = "",
        models: QWidget | None = None,
    ) -> None:
        super().__init__(settings, parent)
        self.quire = quire
        self.setObjectName("settingsDialog")
        self.setWindowTitle("Quire Settings")
        self.setMinimumWidth(620)
        self.test_results: dict[str, QLabel] = {}
        self.put_back: list[str] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(space(4), space(4), space(4), space(4))
        layout.setSpacing(space(3))
        self.tabs = QTabWidget()
        self.tabs.addTab(self._providers_tab(), "Providers")
        self.tabs.addTab(self._local_tab(), "Local model")
        self.tabs.addTab(self._library_tab(), "Library")
        if models is not None:  # the catalog, downloads and model cards (gui/models_panel.py)
            self.tabs.addTab(models, "Models")
            self.setMinimumWidth(980)
            self.finished.connect(lambda _result: getattr(models, "shutdown", lambda: None)())
        self.tabs.addTab(self._appearance_tab(), "Appearance")
        layout.addWidget(self.tabs)
        self.error = QLabel()
        self.error.setObjectName("settingsError")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)
        choice = QDialogButtonBox.StandardButton
        buttons = QDialogButtonBox(choice.Save | choice.Cancel)
        buttons.button(choice.Save).setProperty("primary", True)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        if focus:
            self.show_part(focus)

    def show_part(self, name: str) -> None:
        """Open at a provider's part (lan, oci, local) or a tab by name, its first field focused."""
        tab = "local" if name == "local" else "providers" if name in FOCUS else name
        titles = {self.tabs.tabText(i).lower().replace(" model", ""): i for i in range(self.tabs.count())}
        if tab in titles:
            self.tabs.setCurrentIndex(titles[tab])
        field = self.fields.get(FOCUS.get(name, ""))
        if field is not None:
            field.setFocus()

    # Building ------------------------------------------------------------------------------------

    def _test_row(self, form: QFormLayout, provider: str) -> None:
        button = QPushButton("Test connection" if provider != "local" else "Load and test")
        button.setObjectName(f"test_{provider}")
        button.clicked.connect(lambda: self.test_provider(provider))
        result = QLabel()
        result.setObjectName("testResult")
        result.setWordWrap(True)  # on its own row: a long reason wraps, it is never clipped
        result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.test_results[provider] = result
        row = QHBoxLayout()
        row.addWidget(button)
        row.addStretch(1)
        form.addRow("", row)
        form.addRow("", result)

    def _form(self, box: QWidget) -> QFormLayout:
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        form.setVerticalSpacing(space(2))
        form.setHorizontalSpacing(space(3))
        return form

    def _providers_tab(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(space(3))
        lan = QGroupBox("LAN server (OpenAI-compatible: llama.cpp server, vLLM, LM Studio, Ollama)")
        form = self._form(lan)
        form.addRow("Base URL", self._line("providers.lan.url", "http://gpu-box.local:8000/v1"))
        form.addRow("Model", self._line("providers.lan.model", "as the server names it; empty = its first"))
        form.addRow("API key", self._secret("lan.api_key"))
        self._test_row(form, "lan")
        layout.addWidget(lan)
        oci = QGroupBox("OCI Generative AI")
        form = self._form(oci)
        form.addRow("Config file", self._line("providers.oci.config_file"))
        form.addRow("Profile", self._line("providers.oci.profile"))
        form.addRow("Region", self._line("providers.oci.region", "e.g. eu-frankfurt-1"))
        form.addRow("Compartment", self._line("providers.oci.compartment", "ocid1.compartment.oc1..…"))
        form.addRow("Model", self._line("providers.oci.model", "e.g. cohere.command-r-plus"))
        self._test_row(form, "oci")
        layout.addWidget(oci)
        order = QGroupBox("Auto")
        form = self._form(order)
        edit = QLineEdit(", ".join(self.settings.get("providers.order")))
        self._mark_env("providers.order", edit)
        self.fields["providers.order"] = edit
        form.addRow(
            "Try in order",
            with_hint(edit, "Auto answers with the first of these that is ready (local, lan, oci)."),
        )
        layout.addWidget(order)
        layout.addStretch(1)
        return page

    def _local_tab(self) -> QWidget:
        from quire.chat.profiles import LARGE, SMALL, TINY  # the defaults, to say what they are

        page = QWidget()
        form = self._form(page)
        default = self.default_of
        temperature = self._real("providers.temperature", -0.1, 2.0, 0.1)
        temperature.setSpecialValueText("by the model's size")
        form.addRow(
            "Temperature",
            with_hint(
                temperature,
                "How free the wording is: 0 gives the same answer each time and keeps closest to the "
                "sources; above 1 it rambles. By default it goes with the model's size: "
                f"{TINY.sampling.temperature} for models under 600M parameters (the bundled one), "
                f"{SMALL.sampling.temperature} up to 3.5B, {LARGE.sampling.temperature} above and for "
                "LAN and OCI.",
            ),
        )
        length = self._spin("providers.max_tokens", 0, 32768, "by the model's size")
        length.setSuffix(" tokens")
        form.addRow(
            "Longest answer",
            with_hint(
                length,
                "An answer stops here (a token is about ¾ of a word). By default it goes with the "
                f"model's size: {TINY.max_tokens} tokens for the bundled model, {SMALL.max_tokens} up to "
                f"3.5B parameters, {LARGE.max_tokens} above and for LAN and OCI. Small models wander in "
                "long answers.",
            ),
        )
        context = self._spin("providers.local.context", 512, 262144)
        context.setSuffix(" tokens")
        form.addRow(
            "Context size",
            with_hint(
                context,
                "What the model reads at once: the sources, recent turns, the question and the answer. "
                "Larger fits more sources but needs more memory and a slower first token. Default "
                f"{default('providers.local.context')}; the model's own limit caps it.",
            ),
        )
        threads = self._spin("providers.local.threads", 0, 256, "automatic (physical cores)")
        form.addRow(
            "Threads",
            with_hint(
                threads,
                "0 (the default) uses one per physical core; fewer keeps the computer responsive "
                "while it answers.",
            ),
        )
        layers = self._spin("providers.local.gpu_layers", -1, 999, "all (when the build offloads)")
        form.addRow(
            "GPU layers",
            with_hint(
                layers, "Layers run on the GPU when llama.cpp was built for one; -1 (the default) = all."
            ),
        )
        self._test_row(form, "local")
        return page

    def _library_tab(self) -> QWidget:
        page = QWidget()
        form = self._form(page)
        store = self._combo("store.backend", ["chroma", "oracle", "auto"])
        form.addRow(
            "Vector store", with_hint(store, "A different store is used from the next start of Quire.")
        )
        form.addRow("Sources per answer (k)", self._spin("retrieval.k", 1, 50))
        form.addRow("Library folders", self._check("library.watch", "Index changes as they happen"))
        rescan = self._spin("library.rescan_minutes", 0, 1440, "never")
        rescan.setSuffix(" min")
        form.addRow("…and re-scan every", rescan)
        self.excluded_list = QListWidget()
        self.excluded_list.setObjectName("excludedList")
        self.excluded_list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.excluded_list.setMaximumHeight(120)
        for path in self.quire.excluded() if self.quire is not None else []:
            self.excluded_list.addItem(path)
        put_back = QPushButton("Put back")
        put_back.setObjectName("reinclude")
        put_back.setToolTip("The next refresh of its library folder imports it again")
        put_back.clicked.connect(self.reinclude_selected)
        left_out = QWidget()
        column = QVBoxLayout(left_out)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(space(1))
        column.addWidget(self.excluded_list)
        row = QHBoxLayout()
        row.addWidget(put_back)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(
            hint("Files and folders removed from inside library folders stay out of their refreshes.")
        )
        form.addRow("Left out", left_out)
        form.addRow("Oracle DSN", self._line("oracle.dsn", "host:1521/FREEPDB1"))
        form.addRow("Oracle user", self._line("oracle.user"))
        form.addRow("Oracle password", self._secret("oracle.password"))
        return page

    def _appearance_tab(self) -> QWidget:
        page = QWidget()
        form = self._form(page)
        choices = [("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")]
        theme = self._combo("gui.theme", choices)
        form.addRow("Theme", with_hint(theme, "View ▸ Larger Text and Smaller Text size the chat's text."))
        return page

    def reinclude_selected(self) -> None:
        for item in self.excluded_list.selectedItems():
            self.put_back.append(item.text())
            self.excluded_list.takeItem(self.excluded_list.row(item))

    # Saving and testing --------------------------------------------------------------------------

    def save(self) -> None:
        try:
            draft = self.draft()
            for name, edit in self.secrets.items():
                if edit.text():
                    from quire.secrets import set_secret

                    set_secret(name, edit.text())
            if self.put_back and self.quire is not None:
                self.quire.include(self.put_back)
        except QuireError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.settings.values = draft.values
        self.settings.save()
        self.saved.emit()
        if self.put_back:
            self.reincluded.emit(list(self.put_back))
        self.accept()

    def test_provider(self, name: str) -> None:
        label = self.test_results[name]
        label.setText("checking…" if name != "local" else "loading the model…")
        try:
            draft = self.draft()
        except QuireError as exc:
            label.setText(f"✗ {exc}")
            return
        quire = self.quire

        def check() -> Any:
            if quire is None:
                from quire.core import Quire

                return Quire(draft).test_provider(name, draft)
            with FIRST_LOAD:  # loading the local model imports numpy: not beside another first load
                return quire.test_provider(name, draft)

        def shown(health: Any) -> None:
            if not health.configured:
                label.setText(f"✗ not set up: {health.error}")
            elif not health.ok:
                label.setText(f"✗ {health.error}")
            elif name == "local":
                label.setText(f"✓ {health.model} loads and is ready to answer")
            else:
                latency = f" in {health.latency_ms:.0f} ms" if health.latency_ms else ""
                label.setText(f"✓ reachable{latency}; it answers with {health.model}")

        run_job(check, shown, lambda error: label.setText(f"✗ {error}"), owner=label)
