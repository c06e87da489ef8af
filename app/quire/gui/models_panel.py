"""Settings ▸ Models: the recommended catalog with fit badges, downloads with speed and ETA (pause,
resume — also after a restart — and cancel), any owner/repo file or a file from disk, and the
model card of the check on add."""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from quire.gui.model_card import ModelCardView
from quire.gui.model_jobs import CheckWorker, DownloadWorker
from quire.gui.workers import run_job

log = logging.getLogger(__name__)

COLUMNS = ("Model", "Parameters", "On disk", "Memory", "Context", "Licence", "Speed here", "Fit", "")
BADGE_COLOURS = {"fits this machine": "#2f9e44", "tight": "#e8590c", "too big": "#e03131"}


def _size(count: int | None) -> str:
    from quire.models.catalog import gib

    return gib(count)


@dataclass(frozen=True)
class Row:
    """One line of the table: a catalog entry, an installed file, or both, and a paused download."""

    name: str
    repo: str | None
    file: str
    revision: str
    cells: tuple[str, ...]
    badge: str
    tip: str
    installed: Path | None
    paused_share: float | None


def build_rows(settings: Any) -> tuple[list[Row], str]:
    """Catalog entries assessed for this machine, then the user's own files (no Qt: a worker runs it)."""
    from quire.models.catalog import assess, load_catalog
    from quire.models.download import pending_downloads
    from quire.models.inventory import installed_models
    from quire.models.machine import this_machine

    catalog = load_catalog(settings)
    machine = this_machine(settings)
    context = int(settings.get("providers.local.context"))
    have = {m.name: m for m in installed_models(settings)}
    paused = {Path(p.file).name: p for p in pending_downloads(settings)}
    rows = []
    for entry in catalog.entries:
        name = Path(entry.file).name
        row = assess(entry, machine, context, have[name].path if name in have else None)
        speed = f"~{row.speed_tok_s:g} tok/s" if row.speed_tok_s is not None else "run quire bench"
        cells = (entry.name, entry.params, _size(entry.size_bytes), _size(row.memory_needed),
                 f"{entry.context // 1024}K", entry.licence, speed, row.badge)  # fmt: skip
        pending = paused.get(name)
        share = pending.done / pending.size if pending and pending.size else None
        tip = f"{entry.repo}/{entry.file}\n{row.why}\n{entry.notes}".strip()
        rows.append(Row(entry.name, entry.repo, entry.file, entry.revision, cells, row.badge, tip,
                        row.installed, share))  # fmt: skip
        have.pop(name, None)
    for model in have.values():  # the user's own GGUFs
        cells = (model.name, "", _size(model.size), "", "", "", "", "")
        rows.append(
            Row(model.name, model.repo, model.name, "main", cells, "", str(model.path), model.path, None)
        )
    for name, pending in paused.items():
        if not any(Path(r.file).name == name for r in rows):
            share = pending.done / pending.size if pending.size else None
            cells = (name, "", _size(pending.size), "", "", "", "", "")
            rows.append(
                Row(name, pending.repo, pending.file, pending.revision, cells, "", pending.repo, None, share)
            )
    free = f"{_size(machine.ram_free)} RAM free" + (
        f", {_size(machine.gpu_free)} GPU" if machine.gpu_free else ""
    )
    speed = (
        f"speeds scaled from {machine.reference_source}"
        if machine.reference_source
        else "no speed measured yet"
    )
    caption = (
        f"Catalog v{catalog.version} ({catalog.updated}) · memory at {context} tokens · {free} · {speed}"
    )
    return rows, caption


class ModelsPanel(QWidget):
    model_chosen = Signal(str)  # a model that passed its check became the local model

    def __init__(self, quire: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.quire = quire
        self.settings = quire.settings
        self.full_check = True  # perplexity and the smoke answer too (tests may keep it short)
        self.rows: list[Row] = []
        self.download: DownloadWorker | None = None
        self.check_worker: CheckWorker | None = None
        self.loaded = False
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.caption = QLabel("Reading the catalog…")
        self.caption.setWordWrap(True)
        self.caption.setObjectName("hint")
        top.addWidget(self.caption, 1)
        self.refresh_button = QPushButton("Refresh list")
        self.refresh_button.setToolTip("Fetch the catalog from models.catalog_url (works without one)")
        self.refresh_button.clicked.connect(self.refresh_catalog)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)
        self.table = QTreeWidget()
        self.table.setColumnCount(len(COLUMNS))
        self.table.setHeaderLabels(list(COLUMNS))
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.currentItemChanged.connect(self._selected)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        self.card = ModelCardView()
        self.card.use_requested.connect(self.use_model)
        splitter.addWidget(self.card)
        splitter.setSizes([340, 220])
        layout.addWidget(splitter, 1)
        layout.addLayout(self._download_row())
        layout.addLayout(self._other_row())
        self.load()

    def _download_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress_label = QLabel()
        self.pause_button = QPushButton("Pause")
        self.pause_button.clicked.connect(self.pause_or_resume)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        for widget in (self.progress, self.progress_label, self.pause_button, self.cancel_button):
            row.addWidget(widget, 1 if widget is self.progress else 0)
            widget.hide()
        self.check_button = QPushButton("Check")
        self.check_button.setToolTip(
            "Check the selected model: header, architecture, template, memory, load…"
        )
        self.check_button.clicked.connect(self.check_selected)
        self.check_button.setEnabled(False)
        row.addStretch(0)
        row.addWidget(self.check_button)
        return row

    def _other_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        self.repo_edit = QLineEdit()
        self.repo_edit.setPlaceholderText("owner/repo on the Hub")
        self.file_edit = QLineEdit()
        self.file_edit.setPlaceholderText("file name .gguf")
        self.get_button = QPushButton("Download")
        self.get_button.clicked.connect(self.download_typed)
        self.disk_button = QPushButton("Add a file from disk…")
        self.disk_button.clicked.connect(self.choose_file)
        row.addWidget(QLabel("Other model:"))
        row.addWidget(self.repo_edit, 2)
        row.addWidget(self.file_edit, 2)
        row.addWidget(self.get_button)
        row.addWidget(self.disk_button)
        return row

    # The table ------------------------------------------------------------------------------------

    def load(self) -> None:
        settings = self.settings
        run_job(lambda: build_rows(settings), self.show_rows, self._say, owner=self)

    def show_rows(self, built: tuple[list[Row], str]) -> None:
        self.rows, caption = built
        self.caption.setText(caption)
        self.table.clear()
        for index, row in enumerate(self.rows):
            item = QTreeWidgetItem(list(row.cells))
            item.setData(0, Qt.ItemDataRole.UserRole, index)
            for column in range(len(COLUMNS)):
                item.setToolTip(column, row.tip)
            if row.badge in BADGE_COLOURS:
                item.setForeground(7, QBrush(QColor(BADGE_COLOURS[row.badge])))
            self.table.addTopLevelItem(item)
            self.table.setItemWidget(item, 8, self._action(row))
        self.loaded = True

    def _action(self, row: Row) -> QPushButton:
        if row.installed is not None:
            button = QPushButton("Installed")
            button.setEnabled(False)
        elif row.paused_share is not None:
            button = QPushButton(f"Resume ({row.paused_share:.0%})")
        else:
            button = QPushButton("Download")
        if row.repo is None and row.installed is None:
            button.setEnabled(False)
        button.clicked.connect(lambda: self.start_download(row.repo or "", row.file, row.revision))
        return button

    def row_named(self, name: str) -> QTreeWidgetItem | None:
        for index in range(self.table.topLevelItemCount()):
            item = self.table.topLevelItem(index)
            if item is not None and name in (item.text(0), Path(self.rows[index].file).name):
                return item
        return None

    def _selected(self, item: QTreeWidgetItem | None, _previous: Any = None) -> None:
        row = self.rows[item.data(0, Qt.ItemDataRole.UserRole)] if item is not None else None
        self.check_button.setEnabled(bool(row and row.installed and self.check_worker is None))

    def _say(self, text: str) -> None:
        self.caption.setText(text)

    # Downloads ------------------------------------------------------------------------------------

    def download_typed(self) -> None:
        repo, file = self.repo_edit.text().strip(), self.file_edit.text().strip()
        if not repo or not file:
            self._say("Type an owner/repo and a .gguf file name")
            return
        self.start_download(repo, file)

    def start_download(self, repo: str, file: str, revision: str = "main") -> None:
        if self.download is not None and self.download.isRunning():
            self._say("One download at a time: pause or cancel the current one first")
            return
        self.download = None  # a paused one: its partial file stays for its own Resume
        try:
            worker = DownloadWorker(self.settings, repo, file, revision, parent=self)
        except Exception as exc:  # a typed repo or file name that cannot be right
            self._say(str(exc))
            return
        worker.progress.connect(self.show_progress)
        worker.downloaded.connect(self._downloaded)
        worker.stopped.connect(self._stopped)
        worker.failed.connect(self._failed)
        self.download = worker
        self.progress.setValue(0)
        self.progress_label.setText(f"Asking the Hub for {file}…")
        self.pause_button.setText("Pause")
        for widget in (self.progress, self.progress_label, self.pause_button, self.cancel_button):
            widget.show()
        worker.start()

    def show_progress(self, event: Any) -> None:
        if event.total:
            self.progress.setValue(int(1000 * event.done / event.total))
        speed = f" · {event.speed_bps / 2**20:.1f} MB/s" if event.speed_bps else ""
        eta = f" · {event.eta_s:.0f} s left" if event.eta_s is not None else ""
        stage = "Verifying SHA-256" if event.stage == "verifying" else event.file
        resumed = f" · resumed at {_size(event.resumed_from)}" if event.resumed_from else ""
        self.progress_label.setText(
            f"{stage}: {_size(event.done)} of {_size(event.total)}{speed}{eta}{resumed}"
        )

    def pause_or_resume(self) -> None:
        if self.download is not None and self.download.isRunning():
            self.pause_button.setEnabled(False)
            self.download.pause()
        elif self.download is not None:  # paused: the same download again, from its partial file
            worker = self.download
            self.download = None
            self.start_download(worker.repo, worker.file, worker.download.revision)

    def cancel(self) -> None:
        if self.download is None:
            return
        if self.download.isRunning():
            self.download.cancel()
        else:  # paused: drop the partial file
            self.download.download.discard()
            self._finish_download("Download cancelled: nothing was kept")

    def _stopped(self, paused: bool) -> None:
        self.pause_button.setEnabled(True)
        if paused:
            self.pause_button.setText("Resume")
            self.progress_label.setText(self.progress_label.text().split(" · ")[0] + " · paused")
            self.load()
        else:
            self._finish_download("Download cancelled: nothing was kept")

    def _failed(self, error: str) -> None:
        self._finish_download(error)

    def _downloaded(self, result: Any) -> None:
        self._finish_download(f"Downloaded {result.path.name}: SHA-256 matches the Hub's. Checking it…")
        self.check(result.path)

    def _finish_download(self, text: str) -> None:
        if self.download is not None:
            self.download.wait(5000)
        self.download = None
        for widget in (self.progress, self.pause_button, self.cancel_button):
            widget.hide()
        self.pause_button.setEnabled(True)
        self.progress_label.setText(text)
        self.load()

    # The check and the choice ---------------------------------------------------------------------

    def check_selected(self) -> None:
        item = self.table.currentItem()
        if item is not None:
            row = self.rows[item.data(0, Qt.ItemDataRole.UserRole)]
            if row.installed is not None:
                self.check(row.installed)

    def check(self, path: Path, then_add: Path | None = None) -> None:
        if self.check_worker is not None:
            return
        worker = CheckWorker(self.quire, path, full=self.full_check, parent=self)
        worker.step.connect(self.card.show_step)
        worker.checked.connect(lambda card: self._checked(card, then_add))
        worker.failed.connect(lambda error: self._check_over(error))
        self.check_worker = worker
        self.check_button.setEnabled(False)
        self.card.show_busy(f"Checking {path.name}…")
        worker.start()

    def _checked(self, card: Any, then_add: Path | None) -> None:
        self._check_over(None)
        self.card.show_card(card)
        if then_add is not None and card.ok:
            shutil.copyfile(card.path, then_add)
            from quire.models.inventory import record_check

            record_check(self.settings, then_add, True, None)
            self._say(f"Added {then_add.name}")
            self.card.card = replace(card, path=str(then_add))
            self.load()

    def _check_over(self, error: str | None) -> None:
        if self.check_worker is not None:
            self.check_worker.wait(5000)
        self.check_worker = None
        if error:
            self.card.show_busy(f"The check could not run: {error}")
        self._selected(self.table.currentItem())

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Add a GGUF model", str(Path.home()), "GGUF models (*.gguf)"
        )
        if path:
            self.add_file(Path(path))

    def add_file(self, path: Path) -> None:
        """A file from disk: checked first, copied into the models folder only if it passes."""
        from quire.models.download import downloads_dir

        target = downloads_dir(self.settings) / path.name
        if target.exists():
            self._say(f"{target} already exists")
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        self.check(path, then_add=target)

    def use_model(self, path: str) -> None:
        self.settings.set("providers.local.model", Path(path).name)
        self.settings.save()
        self._say(f"The local model is now {Path(path).name}")
        self.model_chosen.emit(Path(path).name)

    def refresh_catalog(self) -> None:
        settings = self.settings

        def fetch() -> Any:
            from quire.models.catalog import refresh_catalog

            refresh_catalog(settings)
            return build_rows(settings)

        self._say("Fetching the catalog…")
        run_job(fetch, self.show_rows, self._say, owner=self)

    def shutdown(self) -> None:
        """Closing: a running download is paused (the next start can resume it), the check waited for."""
        if self.download is not None and self.download.isRunning():
            self.download.pause()
            self.download.wait(10000)
        if self.check_worker is not None:
            self.check_worker.wait(120000)
