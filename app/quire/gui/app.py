"""Starts the desktop app: the QApplication, palettes that follow the OS, the window, --screenshot."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QEventLoop, QObject, QThreadPool, QTimer
from PySide6.QtGui import QFileOpenEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from quire.gui import icons
from quire.gui.style import apply_theme

log = logging.getLogger(__name__)

SCREENSHOT_WAIT_S = 10.0


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


class FileOpenForwarder(QObject):
    """macOS hands files dropped on the Dock icon or opened with Quire to the app as QFileOpenEvents
    (the document types in packaging/macos/Info.plist); they are imported like a drop on the window."""

    def __init__(self, window: QObject) -> None:
        super().__init__(window)
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if isinstance(event, QFileOpenEvent) and event.file():
            self._window.library.import_paths([Path(event.file())])  # type: ignore[attr-defined]
            return True
        return super().eventFilter(watched, event)


def run_gui(screenshot: Path | None = None) -> int:
    from quire.config import Settings, offline_environment
    from quire.logfile import setup_logging

    offline_environment()
    try:
        settings = Settings.load()
        setup_logging(settings.log_dir, settings.get("logging.level"), settings.get("logging.prompts"))
    except Exception as exc:  # a broken config.toml is reported in the window, not here
        log.warning("logging not set up: %s", exc)
    app = make_app()
    from quire.gui.main_window import MainWindow

    window = MainWindow(screenshot=screenshot is not None)
    app.installEventFilter(FileOpenForwarder(window))
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
