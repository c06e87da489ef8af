"""Starts the desktop app: the QApplication, palettes that follow the OS, the window, --screenshot."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEventLoop, Qt, QThreadPool, QTimer
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from quire.gui import icons

log = logging.getLogger(__name__)

SCREENSHOT_WAIT_S = 10.0


def dark_palette() -> QPalette:
    palette = QPalette()
    roles = {
        QPalette.ColorRole.Window: "#1f2124",
        QPalette.ColorRole.WindowText: "#e9ecef",
        QPalette.ColorRole.Base: "#16181b",
        QPalette.ColorRole.AlternateBase: "#25282c",
        QPalette.ColorRole.ToolTipBase: "#2b2e33",
        QPalette.ColorRole.ToolTipText: "#e9ecef",
        QPalette.ColorRole.Text: "#e9ecef",
        QPalette.ColorRole.Button: "#2b2e33",
        QPalette.ColorRole.ButtonText: "#e9ecef",
        QPalette.ColorRole.BrightText: "#ff8787",
        QPalette.ColorRole.Highlight: "#4c6ef5",
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: "#91a7ff",
        QPalette.ColorRole.PlaceholderText: "#868e96",
        QPalette.ColorRole.Mid: "#3a3f45",
        QPalette.ColorRole.Midlight: "#33373c",
        QPalette.ColorRole.Light: "#3f444a",
        QPalette.ColorRole.Dark: "#121416",
        QPalette.ColorRole.Shadow: "#000000",
    }
    for role, colour in roles.items():
        palette.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6c737a"))
    return palette


def apply_theme(app: QApplication) -> None:
    """Fusion with a light or dark palette, whichever the OS uses now."""
    dark = QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    sheet = icons.resources_dir() / "quire.qss"
    app.setStyleSheet(sheet.read_text(encoding="utf-8") if sheet.exists() else "")


def make_app() -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("Quire")
    app.setOrganizationName("Quire")
    app.setApplicationDisplayName("Quire")
    app.setDesktopFileName("quire")
    app.setWindowIcon(icons.app_icon())
    app.setStyle("Fusion")
    apply_theme(app)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
    return app


def run_gui(screenshot: Path | None = None) -> int:
    from quire.config import Settings, offline_environment
    from quire.logfile import setup_logging

    offline_environment()
    try:
        setup_logging(Settings.load().log_dir)
    except Exception as exc:  # a broken config.toml is reported in the window, not here
        log.warning("logging not set up: %s", exc)
    app = make_app()
    from quire.gui.main_window import MainWindow

    window = MainWindow(screenshot=screenshot is not None)
    window.show()
    if screenshot is None:
        code = app.exec()
        # let a model or the embedder finish loading: Python cannot import while it shuts down
        QThreadPool.globalInstance().waitForDone(15_000)
        return code
    return save_screenshot(window, Path(screenshot))


def wait_until(condition: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    loop = QEventLoop()
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        QTimer.singleShot(30, loop.quit)
        loop.exec()
    return False


def save_screenshot(window: object, path: Path) -> int:
    """Render the window once its library, conversation and provider health are shown."""
    from quire.gui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    if not wait_until(window.ready_for_screenshot, SCREENSHOT_WAIT_S):
        log.warning("screenshot taken before everything was loaded")
    wait_until(lambda: False, 0.3)  # let the last layouts settle
    path.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(path))
    window.close()
    if not ok:
        print(f"quire: cannot write {path}", file=sys.stderr)
        return 1
    print(path)
    return 0
