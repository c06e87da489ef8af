"""Starts the desktop app: a look at Qt's system libraries first, the QApplication with the theme,
the window, --screenshot; anything unexpected goes to the log, with one sentence in the window."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QEventLoop, QObject, QThreadPool, QTimer
from PySide6.QtGui import QFileOpenEvent, QGuiApplication
from PySide6.QtWidgets import QApplication

from quire.gui import icons
from quire.gui.style import apply_theme

log = logging.getLogger(__name__)

SCREENSHOT_WAIT_S = 10.0


def make_app(theme: str = "system") -> QApplication:
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
    app.setProperty("quireTheme", theme)
    apply_theme(app, theme)
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: _follow_system(app))
    return app


def _follow_system(app: QApplication) -> None:
    """The OS switched light/dark: follow it, unless Settings chose one."""
    from quire.gui.style import current

    if str(app.property("quireTheme") or "system") == "system":
        apply_theme(app, "system", current().chat_px)


def report_unexpected(kind: type[BaseException], error: BaseException, tb: Any) -> None:
    """sys.excepthook for the app: the traceback to the log, a sentence to the window. Never a
    traceback on the terminal, never a crash for a slot that failed."""
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, tb)
        return
    log.error("unexpected error", exc_info=(kind, error, tb))
    from quire.gui.main_window import MainWindow

    app = QApplication.instance()
    windows = [w for w in app.topLevelWidgets() if isinstance(w, MainWindow)] if app else []
    where = ""
    for handler in logging.getLogger().handlers:
        name = getattr(handler, "baseFilename", None)
        if name:
            where = f" ({name})"
    for window in windows:
        window.report_error(f"Something went wrong ({kind.__name__}); the details are in the log{where}.")


def check_qt_libraries() -> str | None:
    """Why the window cannot open on this system (a platform plugin's library is missing), or None."""
    from quire.config import qt_environment
    from quire.qt_libs import check_platform, platform_for_window

    env = qt_environment()
    platform = platform_for_window(env)
    if platform is None:
        return None
    found = check_platform(platform, [env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "")])
    return None if found.ok else found.advice()


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


def run_gui(screenshot: Path | None = None, size: tuple[int, int] = (1280, 800)) -> int:
    from quire.config import Settings, offline_environment
    from quire.logfile import setup_logging

    offline_environment()
    theme = "system"
    try:
        settings = Settings.load()
        setup_logging(settings.log_dir, settings.get("logging.level"), settings.get("logging.prompts"))
        theme = str(settings.get("gui.theme"))
    except Exception as exc:  # a broken config.toml is reported in the window, not here
        log.warning("logging not set up: %s", exc)
    problem = check_qt_libraries()
    if problem:  # Qt would abort with its own message, naming the wrong library
        log.error("%s", problem)
        print(f"quire: {problem}", file=sys.stderr)
        return 1
    sys.excepthook = report_unexpected
    app = make_app(theme)
    from quire.gui.main_window import MainWindow

    window = MainWindow(screenshot=screenshot is not None)
    if screenshot is not None:  # the same picture whatever size the window was left at
        window.resize(*size)
        window.splitter.setSizes([min(400, size[0] // 3), size[0] - min(400, size[0] // 3)])
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
