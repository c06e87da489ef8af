"""The main window: toolbar (provider toggle with health, model picker), library beside chat, tabs."""

from __future__ import annotations

import logging
import platform
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QThreadPool, QTimer, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDragLeaveEvent, QDropEvent, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QWidget,
)

from quire import __version__
from quire.errors import QuireError
from quire.gui import icons, shortcuts
from quire.gui.chat_list import ChatList, ChatPane
from quire.gui.chat_view import ChatView
from quire.gui.chats_panel import ChatsPanel
from quire.gui.compare_view import CompareView
from quire.gui.folder_watch import FolderWatch
from quire.gui.history import ChatHistory, Message
from quire.gui.library_panel import LibraryPanel
from quire.gui.message_bubble import AnswerRun
from quire.gui.metrics_view import MetricsView
from quire.gui.model_menu import ModelsController
from quire.gui.pdf_viewer import open_citation
from quire.gui.toolbar import ModelPicker, ProviderToggle
from quire.gui.workers import AnswerWorker, load_search, run_job

log = logging.getLogger(__name__)

HEALTH_EVERY_MS = 60_000


@dataclass
class Startup:
    """Timings of the first seconds, for the log and the tests."""

    created: float
    shown: float | None = None
    library_listed: float | None = None
    warm: float | None = None


class MainWindow(QMainWindow):
    def __init__(self, quire_factory: Callable[[], Any] | None = None, screenshot: bool = False) -> None:
        super().__init__()
        self.startup = Startup(time.perf_counter())
        self.quire_factory = quire_factory
        self.screenshot_mode = screenshot
        self.quire: Any = None
        self.history: ChatHistory | None = None
        self.run: AnswerRun | None = None
        self.health: dict[str, Any] = {}
        self.health_checked = False
        self.library_listed = False
        self.model_error = ""
        self.startup_error = ""
        self.closing = False
        self.viewers: list[Any] = []
        self.setWindowTitle("Quire")
        self.setWindowIcon(icons.app_icon())
        self.setAcceptDrops(True)
        self.resize(1240, 780)
        # Workers mostly wait (on disk, a server, a model load): more of them than cores keeps
        # a slow health check from holding up the library list.
        pool = QThreadPool.globalInstance()
        pool.setMaxThreadCount(max(6, pool.maxThreadCount()))

        self.toggle = ProviderToggle()
        self.toggle.changed.connect(self.choose_provider)
        self.model_picker = ModelPicker()
        self.model_picker.loading.connect(lambda name: self.warm_label.setText(f"Loading {name}…"))
        self.model_picker.chosen.connect(self.model_chosen)
        self.model_picker.refused.connect(self.refuse_model)
        self.models = ModelsController(self)  # the model menu, ratings, Settings ▸ Models
        self._build_toolbar()

        self.library = LibraryPanel()
        self.library.library_changed.connect(self._library_changed)
        self.library.import_finished.connect(lambda _summary: self.metrics_view.refresh())
        self.folder_watch = FolderWatch(self.library, self)
        self.chat = ChatView()
        self.chat.ask_requested.connect(self.ask)
        self.chat.stop_requested.connect(self.stop_answer)
        self.chat.new_chat_requested.connect(self.new_chat)
        self.chat.citation_clicked.connect(self.open_citation)
        self.chat.answer_rated.connect(self.models.rate)
        self.chat.input.setAcceptDrops(False)  # a dropped file imports; it never pastes its path
        self.chat_list = ChatList()
        self.chat_pane = ChatPane(self.chat_list, self.chat)
        self.chats = ChatsPanel(self)  # the chat list, export, filter chips (issue #14)
        self.compare = CompareView()
        self.compare.local_model = self.local_model
        self.compare.on_citation = self.open_citation
        self.metrics_view = MetricsView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.chat_pane, "Chat")
        self.tabs.addTab(self.compare, "Compare")
        self.tabs.addTab(self.metrics_view, "Metrics")
        self.tabs.currentChanged.connect(lambda i: i == 2 and self.metrics_view.refresh())
        splitter = QSplitter()
        splitter.addWidget(self.library)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([400, 840])
        self.setCentralWidget(splitter)

        self.warm_label = QLabel("Starting…")
        self.statusBar().addWidget(self.warm_label, 1)
        self._build_menus()
        self._health_timer = QTimer(self)
        self._health_timer.timeout.connect(self.check_health)
        QTimer.singleShot(0, self.start)

    # Building ------------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = self.addToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.addWidget(QLabel(" Answer with  "))
        bar.addWidget(self.toggle)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        bar.addWidget(QLabel("Local model  "))
        bar.addWidget(self.model_picker)
        bar.addWidget(self.models.menu)
        settings = QToolButton()
        settings.setText("Settings")
        settings.setToolTip("Settings (Ctrl+,)")
        settings.clicked.connect(self.open_settings)
        bar.addSeparator()
        bar.addWidget(settings)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(file_menu, "&Import…", shortcuts.IMPORT, self.library.choose_files)
        self._action(file_menu, "Import &Folder…", None, self.library.choose_folder)
        file_menu.addSeparator()
        self._action(file_menu, "&New Chat", shortcuts.NEW_CHAT, self.new_chat)
        self._action(file_menu, "&Export Chat…", None, self.chats.export)
        self._action(file_menu, "&Settings…", shortcuts.SETTINGS, self.open_settings)
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", shortcuts.QUIT, self.close)
        help_menu = self.menuBar().addMenu("&Help")
        self._action(help_menu, "&About Quire", None, self.about)
        QShortcut(shortcuts.keys(shortcuts.FOCUS_LIBRARY_SEARCH), self, self.focus_library_search)
        QShortcut(shortcuts.keys(shortcuts.FOCUS_CHAT), self, lambda: self.chat.input.setFocus())
        QShortcut(shortcuts.keys(shortcuts.COPY_ANSWER), self, self.copy_last_answer)
        stop = QShortcut(shortcuts.keys(shortcuts.STOP_ANSWER), self, self.stop_answer)
        stop.setContext(Qt.ShortcutContext.WindowShortcut)

    def _action(self, menu: Any, text: str, keys: Any, slot: Callable[[], Any]) -> QAction:
        action = menu.addAction(text)
        if keys is not None:
            action.setShortcut(shortcuts.keys(keys))
        action.triggered.connect(lambda _=False: slot())
        return action

    # Start-up ------------------------------------------------------------------------------------

    def start(self) -> None:
        """After the window is on screen: open the library, list it, check providers, warm up."""
        self.startup.shown = time.perf_counter()
        try:
            if self.quire_factory is not None:
                self.quire = self.quire_factory()
            else:
                from quire.core import Quire  # light: the embedder, store and models load later

                self.quire = Quire()
        except QuireError as exc:  # e.g. a config.toml that does not parse: say so, plainly
            self.startup_error = str(exc)
            self.warm_label.setText(f"Cannot open the library: {exc}")
            self.chat.empty_title.setText("Quire cannot open its library")
            self.chat.empty_hint.setText(str(exc))
            self.chat.send_button.setEnabled(False)
            self.chat.sample_button.hide()
            self.library_listed = self.health_checked = True  # nothing more is coming
            self.history = ChatHistory(Path("chat_history.json"), persist=False)
            return
        settings = self.quire.settings
        self.history = ChatHistory(settings.chats_path)
        self.chats.show_current()
        self.library.set_quire(self.quire)
        self.compare.set_quire(self.quire)
        self.metrics_view.set_quire(self.quire)
        self.models.started(self.quire)
        self.toggle.set_choice(settings.get("providers.default"))
        self.load_models()
        self.check_health()
        if self.screenshot_mode:
            self.warm_label.setText(f"Ready · data in {settings.home}")
            return
        self._health_timer.start(HEALTH_EVERY_MS)
        self.warm_up()
        pending = self.quire.pending_imports()
        if pending:
            self.library.import_paths([], resume=True)  # Quire.ingest finishes pending paths itself
        self.folder_watch.start(self.quire)  # and refreshes the library folders if they changed

    def warm_up(self) -> None:
        self.warm_label.setText("Warming up the search model…")
        quire = self.quire

        def load() -> None:
            load_search(quire)

        def ready(_: Any) -> None:
            self.startup.warm = time.perf_counter()
            self.warm_label.setText(f"Ready · data in {quire.settings.home}")

        run_job(
            load, ready, lambda error: self.warm_label.setText(f"Search is unavailable: {error}"), owner=self
        )

    def _library_changed(self, count: int) -> None:
        if not self.library_listed:
            self.library_listed = True
            self.startup.library_listed = time.perf_counter()
        self.chat.set_library_empty(count == 0)

    def ready_for_screenshot(self) -> bool:
        return self.library_listed and self.health_checked and self.history is not None

    # Providers and models ------------------------------------------------------------------------

    def choose_provider(self, name: str) -> None:
        if self.quire is None:
            return
        self.quire.settings.set("providers.default", name)
        self.quire.settings.save()

    def provider(self) -> str:
        return self.toggle.choice()

    def check_health(self) -> None:
        if self.quire is None:
            return
        settings = self.quire.settings

        def check() -> dict[str, Any]:
            from quire.providers.router import health_report

            return health_report(settings)

        run_job(
            check, self.show_health, lambda error: log.warning("health check failed: %s", error), owner=self
        )

    def show_health(self, report: dict[str, Any]) -> None:
        self.health = report
        self.health_checked = True
        self.compare.set_health(report)
        self.toggle.show_report(report, self.quire.settings.get("providers.order"))

    def load_models(self) -> None:
        settings = self.quire.settings

        def find() -> list[Any]:
            from quire.providers.local import find_models

            return find_models(settings)

        run_job(find, self.show_models, owner=self)

    def show_models(self, models: list[Any]) -> None:
        self.model_picker.show_models(models, self.quire.settings)

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

    # Chat ----------------------------------------------------------------------------------------

    def ask(self, question: str, query_filter: Any = None) -> None:
        if self.quire is None or self.history is None or (self.run and not self.run.done):
            return
        self.tabs.setCurrentWidget(self.chat_pane)
        user = Message("user", question)
        self.history.add(user)
        self.chat.add_message(user)
        notice = ""
        if self.library.is_importing():
            notice = "An import is still running: this answer used only what is indexed so far."
        answer = Message("assistant", "")
        bubble = self.chat.add_message(answer)
        provider = self.provider()
        model = self.local_model() if provider in ("local", "auto") else None
        adapter = self.models.adapter_for(provider)
        chat = self.history.chat_id
        worker = AnswerWorker(
            self.quire, question, provider, model, parent=self, adapter=adapter, chat=chat,
            query_filter=query_filter,
        )  # fmt: skip
        worker.piece.connect(lambda _text: self.chat.follow())
        self.run = AnswerRun(worker, bubble, self._answered, notice)
        self.chats.watch(self.run, question)
        self.chat.set_busy(True)
        worker.start()

    def _answered(self, run: AnswerRun) -> None:
        if self.closing:
            return  # closeEvent has saved what there was
        if self.history is not None:
            self.chats.keep_context(run)
            self.history.add(run.message)
            self.chats.refresh()
        self.chat.set_busy(False)
        self.chat.follow()
        run.worker.wait(1000)
        run.worker.deleteLater()
        if self.tabs.currentWidget() is self.metrics_view:
            self.metrics_view.refresh()

    def stop_answer(self) -> None:
        if self.run and not self.run.done:
            self.run.stop()
        self.compare.stop()

    def new_chat(self) -> None:
        if self.history is None or (self.run and not self.run.done):
            return
        self.history.new_conversation()
        self.chat.clear()
        self.models.new_chat()
        self.chats.refresh()

    def copy_last_answer(self) -> None:
        bubble = self.chat.last_answer()
        if bubble:
            bubble.copy_text()

    def open_citation(self, source: Any) -> Any:
        viewer = open_citation(source, self)
        self.viewers = [v for v in self.viewers if v.isVisible()] + [viewer]
        return viewer

    def focus_library_search(self) -> None:
        self.library.search.setFocus()
        self.library.search.selectAll()

    # Dialogs -------------------------------------------------------------------------------------

    def open_settings(self) -> Any:
        from quire.gui.settings_dialog import SettingsDialog

        if self.quire is None:
            return None
        dialog = SettingsDialog(self.quire.settings, self, models=self.models.models_panel())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self.check_health)
        dialog.saved.connect(self.load_models)
        dialog.saved.connect(self.folder_watch.apply_settings)
        dialog.open()
        return dialog

    def about(self) -> None:
        QMessageBox.about(self, "About Quire", about_text())

    # Drops and closing ---------------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt's name)
        if any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
            self.library.set_drop_highlight(True)

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self.library.set_drop_highlight(False)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self.library.set_drop_highlight(False)
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.library.import_paths(paths)

    def confirm_close(self) -> bool:
        """Asked only while an import runs: it is stopped now and resumed on the next start."""
        answer = QMessageBox.question(
            self,
            "Quit while importing?",
            "An import is still running. Quit anyway? It will carry on the next time Quire starts.",
        )
        return answer == QMessageBox.StandardButton.Yes

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        # a refresh the watcher started needs no asking: the next start looks at the folders again
        asking = self.library.is_importing() and not self.library.background
        if asking and not self.confirm_close():
            event.ignore()
            return
        self._health_timer.stop()
        self.folder_watch.stop()
        self.library.shutdown()
        if self.run and not self.run.done:
            self.closing = True
            self.run.stop()
            self.run.worker.wait(10000)
            if self.history is not None:  # keep what was written; say why it stops there
                self.run.message.notice = "Stopped when Quire was closed: the answer is incomplete."
                self.history.add(self.run.message)
        self.compare.shutdown()
        self.models.shutdown()  # a download in progress is paused: the next start resumes it
        event.accept()


def about_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    import PySide6

    try:
        llama = version("llama_cpp_python")
    except PackageNotFoundError:
        llama = "not installed"
    return (
        f"<h3>Quire {__version__}</h3>"
        "<p>Ask your own notes, PDFs and slide decks, offline, with citations to the page.</p>"
        f"<p>Qt {qVersion()} · PySide6 {PySide6.__version__}<br>"
        f"Python {platform.python_version()}<br>llama-cpp-python {llama}</p>"
    )
