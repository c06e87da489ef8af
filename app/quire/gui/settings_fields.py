"""Settings widgets bound to config keys: each reads its key, shows when an environment variable
sets it (and is then read-only), and gives its value back; secrets go to the OS keyring."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from quire.config import DEFAULTS, Settings
from quire.gui.workers import run_job

SECRET_PLACEHOLDER = "stored in the OS keyring (type to replace)"


def hint(text: str) -> QLabel:
    """A line under a field that says what it does and what its default is."""
    label = QLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def with_hint(field: QWidget, text: str) -> QWidget:
    """A field with its explaining line right under it (one form row)."""
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(field)
    column.addWidget(hint(text))
    return box


class SettingsFields(QDialog):
    """The widgets of a settings dialog, by key, and the settings they make."""

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.fields: dict[str, QWidget] = {}
        self.secrets: dict[str, QLineEdit] = {}

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

    def _real(self, key: str, low: float, high: float, step: float) -> QDoubleSpinBox:
        spin = QDoubleSpinBox()
        spin.setRange(low, high)
        spin.setSingleStep(step)
        spin.setDecimals(2)
        spin.setValue(max(low, float(self.settings.get(key))))
        self._mark_env(key, spin)
        self.fields[key] = spin
        return spin

    def _combo(self, key: str, choices: list[str] | list[tuple[str, str]]) -> QComboBox:
        """Choices as values, or as (value, label) pairs."""
        combo = QComboBox()
        for choice in choices:
            value, label = choice if isinstance(choice, tuple) else (choice, choice)
            combo.addItem(label, value)
        combo.setCurrentIndex(max(0, combo.findData(str(self.settings.get(key)))))
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

    @staticmethod
    def default_of(key: str) -> Any:
        return DEFAULTS[key]

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, widget in self.fields.items():
            if not widget.isEnabled():
                continue
            if isinstance(widget, QCheckBox):
                out[key] = widget.isChecked()
            elif isinstance(widget, QDoubleSpinBox):  # at its (negative) minimum: "by the model", -1
                value = widget.value()
                out[key] = -1.0 if value <= widget.minimum() < 0 else round(value, 2)
            elif isinstance(widget, QSpinBox):
                out[key] = widget.value()
            elif isinstance(widget, QComboBox):
                out[key] = widget.currentData()
            elif isinstance(widget, QLineEdit):
                out[key] = widget.text().strip()
        return out

    def draft(self) -> Settings:
        """A copy of the settings with the dialog's values, for testing before saving."""
        draft = copy.deepcopy(self.settings)
        for key, value in self.values().items():
            draft.set(key, value)
        return draft


def _read_secret(name: str) -> str | None:
    from quire.secrets import get_secret

    try:
        return get_secret(name)
    except Exception:  # no keyring backend at all: nothing is stored
        return None
