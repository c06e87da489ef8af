"""The window as a whole: fast first paint, warming up, toolbar, settings, models, screenshot."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from helpers import keyring_problem
from quire.gui.settings_dialog import SettingsDialog

QUIRE = Path(sys.executable).parent / "quire"


def test_window_shows_before_the_embedder_loads_then_warms_up(
    qtbot: Any, open_window: Any, home: Path
) -> None:
    from quire.search.embedder import Embedder

    cold = Embedder()  # not loaded: this window has to load it, as on a real first start
    started = time.perf_counter()
    window = open_window(home, embedder=cold, wait=False)
    qtbot.waitUntil(lambda: window.quire is not None, timeout=5000)
    # The window is up and usable while the search model is still loading.
    assert "Warming up" in window.warm_label.text()
    assert window.windowTitle() == "Quire" and not window.windowIcon().isNull()
    assert window.startup.shown - window.startup.created < 1.5
    qtbot.waitUntil(lambda: window.library_listed, timeout=10_000)
    listed = time.perf_counter() - started
    assert listed < 5.0, f"library listed after {listed:.2f} s"  # generous: CI shares its cores
    assert window.library.stack.currentIndex() == 0  # the drop target
    assert window.chat.pages.currentWidget() is window.chat.empty
    assert "library is empty" in window.chat.empty_hint.text()
    assert window.chat.sample_button.text().startswith("Try:")
    qtbot.waitUntil(lambda: window.warm_label.text().startswith("Ready"), timeout=60_000)
    assert cold._model is not None and window.startup.warm > window.startup.shown


def test_toolbar_shows_provider_health_and_models(qtbot: Any, open_window: Any, library_copy: Path) -> None:
    window = open_window(library_copy)
    qtbot.waitUntil(lambda: window.health_checked and window.model_picker.count() > 0, timeout=20_000)
    buttons = window.toggle.buttons
    assert list(buttons) == ["local", "lan", "oci", "auto"]
    assert buttons["local"].isChecked() and window.toggle.group.exclusive()
    assert buttons["local"].property("health") == "ok"
    assert "ready" in buttons["local"].toolTip()
    for name in ("lan", "oci"):  # nothing configured: a hollow dot, said in plain words
        assert buttons[name].property("health") == "unset"
        assert "not set up" in buttons[name].toolTip() and "providers." not in buttons[name].toolTip()
    assert buttons["lan"].toolTip().startswith("LAN server not set up")
    assert buttons["auto"].property("health") in {"ok", "warn"}
    assert "local model" in buttons["auto"].toolTip()

    # A provider that is not set up cannot be picked: it asks, and Set up… opens its Settings.
    qtbot.mouseClick(buttons["lan"], Qt.MouseButton.LeftButton)
    assert window.provider() == "local" and buttons["local"].isChecked()
    assert window.banner.isVisible() and window.banner.text().startswith("LAN server not set up")
    assert window.banner.action.text() == "Set up…"
    qtbot.mouseClick(window.banner.action, Qt.MouseButton.LeftButton)
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.tabs.currentIndex() == 0
    assert (
        dialog.focusWidget() is dialog.fields["providers.lan.url"]
        or dialog.fields["providers.lan.url"].hasFocus()
    )
    dialog.reject()
    qtbot.mouseClick(buttons["auto"], Qt.MouseButton.LeftButton)
    assert window.provider() == "auto"
    saved = tomllib.loads((library_copy / "config.toml").read_text(encoding="utf-8"))
    assert saved["providers"]["default"] == "auto"
    label = window.model_picker.itemText(window.model_picker.currentIndex())
    assert "SmolLM2-135M-Instruct" in label and "MB" in label and "Q4_1" in label


def test_a_corrupt_gguf_is_refused_with_the_reason(qtbot: Any, open_window: Any, library_copy: Path) -> None:
    models = library_copy / "models"
    models.mkdir()
    (models / "broken-7B.Q4_K_M.gguf").write_bytes(b"<html>404 not found</html>" * 100)
    window = open_window(library_copy)
    qtbot.waitUntil(lambda: window.model_picker.count() >= 2, timeout=10_000)
    good = window.model_picker.currentIndex()
    bad = window.model_picker.findData("broken-7B.Q4_K_M.gguf")
    assert bad >= 0 and "Q4_K_M" in window.model_picker.itemText(bad)
    window.model_picker.setCurrentIndex(bad)
    window.model_picker.activated.emit(bad)
    qtbot.waitUntil(lambda: bool(window.model_error), timeout=10_000)
    assert "not a GGUF model file" in window.model_error
    assert window.model_picker.currentIndex() == good  # back to the model that works
    assert window.quire.settings.get("providers.local.model") == ""


def test_settings_save_the_lan_url_to_config_and_check_connections(
    qtbot: Any, open_window: Any, library_copy: Path
) -> None:
    window = open_window(library_copy)
    dialog = window.open_settings()
    dialog.fields["providers.lan.url"].setText("http://127.0.0.1:9/v1")
    dialog.fields["retrieval.k"].setValue(6)

    # Test connection runs in a worker and reports back without saving anything.
    for name in ("local", "lan"):
        qtbot.mouseClick(dialog.findChild(QPushButton, f"test_{name}"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.test_results["local"].text().startswith("✓"), timeout=30_000)
    qtbot.waitUntil(lambda: dialog.test_results["lan"].text().startswith("✗"), timeout=20_000)
    local = dialog.test_results["local"].text()
    assert "SmolLM2" in local and "ready to answer" in local and "reachable" not in local
    lan = dialog.test_results["lan"]
    assert lan.wordWrap()  # on its own row, it grows to its text: never clipped
    qtbot.waitUntil(lambda: lan.height() >= lan.heightForWidth(lan.width()) - 1, timeout=2000)
    assert "url" not in (library_copy / "config.toml").read_text(encoding="utf-8")

    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    saved = tomllib.loads((library_copy / "config.toml").read_text(encoding="utf-8"))
    assert saved["providers"]["lan"]["url"] == "http://127.0.0.1:9/v1"
    assert saved["retrieval"]["k"] == 6
    assert saved["providers"]["max_tokens"] == 40  # what was there before is kept
    assert window.quire.settings.get("providers.lan.url") == "http://127.0.0.1:9/v1"


def test_settings_put_the_api_key_in_the_keyring_not_the_config(
    qtbot: Any, open_window: Any, library_copy: Path
) -> None:
    problem = keyring_problem()
    if problem:
        pytest.skip(problem)
    from quire.secrets import delete_secret, get_secret

    key = "sk-test-" + os.urandom(6).hex()
    window = open_window(library_copy)
    dialog = window.open_settings()
    dialog.fields["providers.lan.url"].setText("http://127.0.0.1:9/v1")
    dialog.secrets["lan.api_key"].setText(key)
    try:
        with qtbot.waitSignal(dialog.saved):
            dialog.save()
        assert get_secret("lan.api_key") == key
        config = (library_copy / "config.toml").read_text(encoding="utf-8")
        assert key not in config and "api_key" not in config
        assert "http://127.0.0.1:9/v1" in config
        reopened = window.open_settings()
        qtbot.waitUntil(lambda: "keyring" in reopened.secrets["lan.api_key"].placeholderText(), timeout=5000)
        assert reopened.secrets["lan.api_key"].text() == ""  # never read back into the widget
        reopened.reject()
    finally:
        delete_secret("lan.api_key")


def test_about_names_the_versions() -> None:
    from quire import __version__
    from quire.gui.main_window import about_text

    text = about_text()
    for part in (f"Quire {__version__}", "Qt 6.", "Python 3.", "llama-cpp-python"):
        assert part in text


def test_screenshot_command_renders_the_window(library_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    env = {**os.environ, "QUIRE_HOME": str(library_copy), "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    done = subprocess.run(
        [str(QUIRE), "gui", "--screenshot", str(out)], env=env, capture_output=True, text=True, timeout=120
    )
    seconds = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    assert seconds < 30
    from PySide6.QtGui import QImage

    image = QImage(str(out))
    assert image.width() >= 1000 and image.height() >= 600


def test_a_broken_config_is_explained_in_the_window(qtbot: Any, home: Path) -> None:
    from quire.gui.main_window import MainWindow

    (home / "config.toml").write_text("this is = = not toml\n", encoding="utf-8")
    window = MainWindow()  # the real start-up path: Quire() reads QUIRE_HOME
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: bool(window.startup_error), timeout=5000)
    assert "config.toml" in window.startup_error and "not valid TOML" in window.startup_error
    assert "config.toml" in window.warm_label.text()
    assert "cannot open" in window.chat.empty_title.text()
    assert not window.chat.send_button.isEnabled()
    assert window.open_settings() is None
