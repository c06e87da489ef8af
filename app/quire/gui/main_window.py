"""The main window: toolbar (provider toggle with health, model picker), library sidebar beside the
chat, tabs, menus; remembers how it was left. Drops import as a copy, never a move."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThreadPool, QTimer
from PySide6.QtGui import (
    QCloseEvent,
    QGuiApplication,
)
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from quire.errors import QuireError
from quire.gui import icons, shortcuts
from quire.gui.chat_list import ChatList, ChatPane
from quire.gui.chat_view import ChatView
from quire.gui.chats_panel import ChatsPanel
from quire.gui.compare_view import CompareView
from quire.gui.folder_watch import FolderWatch
from quire.gui.history import ChatHistory, Message
from quire.gui.library_panel import LibraryPanel
from quire.gui.menus import build_menus
from quire.gui.message_bubble import AnswerRun
from quire.gui.metrics_view import MetricsView
from quire.gui.model_menu import ModelsController
from quire.gui.notice import NoticeBar
from quire.gui.style import space
from quire.gui.toolbar import ModelPicker, ProviderToggle
from quire.gui.viewers import open_citation, open_document
from quire.gui.window_dialogs import DialogsMixin, about_text
from quire.gui.window_drops import DropsMixin, drop_action
from quire.gui.window_providers import ProvidersMixin
from quire.gui.window_state import WindowState
from quire.gui.workers import AnswerWorker, load_search, run_job

__all__ = ["MainWindow", "about_text", "drop_action"]

log = logging.getLogger(__name__)

HEALTH_EVERY_MS = 60_000


@dataclass
class Startup:
    """Timings of the first seconds, for the log and the tests."""

    created: float
    shown: float | None = None
    library_listed: float | None = None
    warm: float | None = None


class MainWindow(ProvidersMixin, DialogsMixin, DropsMixin, QMainWindow):
    def __init__(
        self,
        quire_factory: Callable[[], Any] | None = None,
        screenshot: bool = False,
        home: Path | None = None,
    ) -> None:
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
        self.state = WindowState(home if home is not None else _default_home())
        self.setWindowTitle("Quire")
        self.setWindowIcon(icons.app_icon())
        self.setAcceptDrops(True)
        # Workers mostly wait (on disk, a server, a model load): more of them than cores keeps
        # a slow health check from holding up the library list.
        pool = QThreadPool.globalInstance()
        pool.setMaxThreadCount(max(6, pool.maxThreadCount()))

        self.toggle = ProviderToggle()
        self.toggle.changed.connect(self.choose_provider)
        self.toggle.set_up_requested.connect(self.offer_set_up)
        self.model_picker = ModelPicker()
        self.model_picker.loading.connect(lambda name: self.warm_label.setText(f"Loading {name}…"))
        self.model_picker.chosen.connect(self.model_chosen)
        self.model_picker.refused.connect(self.refuse_model)
        self.models = ModelsController(self)  # the model menu, ratings, Settings ▸ Models
        self._build_toolbar()

        self.library = LibraryPanel()
        self.library.library_changed.connect(self._library_changed)
        self.library.import_finished.connect(lambda _summary: self.metrics_view.refresh())
        self.library.open_requested.connect(self.open_document)
        self.library.remember_folder = lambda folder: self.state.set("library/last_folder", folder)
        self.library.start_folder = self._start_folder
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
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.chat_pane, "Chat")
        self.tabs.addTab(self.compare, "Compare")
        self.tabs.addTab(self.metrics_view, "Metrics")
        self.tabs.currentChanged.connect(lambda i: i == 2 and self.metrics_view.refresh())
        self.banner = NoticeBar()  # what the window as a whole has to say (a provider to set up…)
        main = QWidget()
        column = QVBoxLayout(main)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.tabs, 1)
        self.splitter = QSplitter()
        self.splitter.setObjectName("mainSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.library)
        self.splitter.addWidget(main)
        self.library.setMinimumWidth(260)  # both sides give way on a small screen (they elide, wrap)
        main.setMinimumWidth(380)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self.warm_label = QLabel("Starting…")
        self.warm_label.setObjectName("statusText")
        self.statusBar().addWidget(self.warm_label, 1)
        self.actions = build_menus(self)
        self.quit_action = self.actions["quit"]
        self._health_timer = QTimer(self)
        self._health_timer.timeout.connect(self.check_health)
        self._place()
        QTimer.singleShot(0, self.start)

    def _place(self) -> None:
        """As it was left; on a first start, a size that suits the screen (1240×780 at most)."""
        if not self.screenshot_mode and self.state.restore(self, self.splitter, self.tabs, self.library.tree):
            return
        screen = QGuiApplication.primaryScreen()
        area = screen.availableGeometry() if screen is not None else None
        width, height = 1240, 780
        if area is not None and area.width() > 0:
            width, height = min(width, int(area.width() * 0.9)), min(height, int(area.height() * 0.9))
        self.resize(width, height)
        self.splitter.setSizes([min(380, width // 3), width - min(380, width // 3)])

    # Building ------------------------------------------------------------------------------------

    def _build_toolbar(self) -> None:
        bar = self.addToolBar("Main")
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setFloatable(False)
        label = QLabel("Answer with")
        label.setObjectName("toolbarLabel")
        bar.addWidget(label)
        bar.addWidget(self.toggle)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        label = QLabel("Local model")
        label.setObjectName("toolbarLabel")
        bar.addWidget(label)
        bar.addWidget(self.model_picker)
        bar.addWidget(self.models.menu)
        settings = QToolButton()
        settings.setObjectName("settingsButton")
        settings.setText("Settings")
        settings.setToolTip(shortcuts.tip("Settings", shortcuts.SETTINGS))
        settings.clicked.connect(lambda: self.open_settings())
        bar.addSeparator()
        bar.addWidget(settings)
        bar.setContentsMargins(space(2), space(1), space(2), space(1))

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
            self.chat.show_error_state("Quire cannot open its library", str(exc))
            self.library_listed = self.health_checked = True  # nothing more is coming
            self.history = ChatHistory(Path("chat_history.json"), persist=False)
            return
        settings = self.quire.settings
        self.apply_theme()
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
        pending = self.quire.pending_imports() or self.quire.pending_embedding()
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

    def _start_folder(self) -> str:
        folder = self.state.get("library/last_folder", "")
        return folder if folder and Path(folder).is_dir() else str(Path.home())

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
        coverage = self.quire.coverage()
        if coverage["embedded"] < coverage["documents"]:  # words first: some files have no vectors yet
            notice = (
                f"{notice} " if notice else ""
            ) + f"{coverage['embedded']} of {coverage['documents']} files have meaning search yet."
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
            self.statusBar().showMessage("Copied the answer and its sources", 3000)

    def open_citation(self, source: Any) -> Any:
        return self._keep_viewer(open_citation(source, self, self.quire))

    def open_document(self, path: str) -> Any:
        return self._keep_viewer(open_document(path, self.quire, self))

    def _keep_viewer(self, viewer: Any) -> Any:
        # A viewer deletes itself when closed (Esc, its close button): drop it from the list as it
        # goes, never ask a deleted one whether it is visible.
        self.viewers.append(viewer)
        viewer.destroyed.connect(lambda _obj=None, v=viewer: self._forget_viewer(v))
        return viewer

    def _forget_viewer(self, viewer: Any) -> None:
        self.viewers = [v for v in self.viewers if v is not viewer]

    def focus_library_search(self) -> None:
        if not self.library.isVisible():
            self.toggle_library()
        self.library.search.setFocus()
        self.library.search.selectAll()

    def focus_question(self) -> None:
        self.tabs.setCurrentWidget(self.chat_pane)
        self.chat.input.setFocus()

    # Closing -------------------------------------------------------------------------------------

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
        if not self.screenshot_mode:  # a screenshot's size is not the user's
            self.state.save(self, self.splitter, self.tabs, self.library.tree)
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
        for viewer in list(self.viewers):
            viewer.close()
        event.accept()


def _default_home() -> Path | None:
    from quire.config import default_home

    try:
        return default_home()
    except Exception:  # no data dir can be named: the window just does not remember its size
        return None
