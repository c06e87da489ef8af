"""The library's import: one at a time (queued behind the running one), progress with an ETA,
Pause (the rest stays pending: Resume or the next start carries on), Cancel (the rest is left out,
what was imported stays), and what was skipped or failed, said once."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from quire.errors import LibraryBusy
from quire.gui.import_row import eta_text
from quire.gui.workers import IngestWorker, run_job


class ImportMixin:
    """Part of LibraryPanel: self is the panel."""

    def is_importing(self) -> bool:
        return self.worker is not None

    def refresh_folders(self) -> None:
        """Re-scan the library folders now, or right after the running import (never two at once)."""
        if self.worker is not None or self.quire is None or self.paused:
            self.refresh_due = self.worker is not None or self.refresh_due
            return
        self.import_paths([], refresh=True)

    def import_paths(
        self,
        paths: list[Path],
        resume: bool = False,
        refresh: bool = False,
        announce: bool = False,
        reindex: bool = False,
    ) -> None:
        """Start an import, or queue it behind the running one. No paths: refresh the library folders
        (and finish a paused or interrupted import). `announce` names at once what will be skipped."""
        if self.quire is None:
            self.queued += paths
            return
        if announce and paths:
            self._announce_skipped(paths)
        if self.worker is not None:
            self.worker.yield_vectors()  # its vectors wait; this import's words come first
            self.queued += [p for p in paths if p not in self.queued]
            self.progress_label.setText(
                self.progress_label.text().split("  (+")[0] + f"  (+{len(self.queued)} queued)"
            )
            return
        for path in paths:
            self.rejected.pop(os.path.abspath(path), None)
        self.background = refresh
        self.paused = False
        if not refresh and not announce and not self.notice.action.isVisible():
            self.notice.hide()
        self.worker = IngestWorker(self.quire, list(paths), self, reindex=reindex)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished_import.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self._started = time.monotonic()
        self.last_progress = None
        if resume:
            label = "Resuming the interrupted import…"
        else:
            label = "Checking the library folders…" if refresh else "Scanning…"
        self.progress_row.running(label)
        self.import_started.emit()
        self.worker.start()

    def _announce_skipped(self, paths: list[Path]) -> None:
        quire = self.quire

        def look() -> list[Any]:
            return list(quire.import_preview(paths))

        def shown(problems: list[Any]) -> None:
            if not problems:
                return
            lines = [f"{Path(p.path).name}: {p.error}" for p in problems[:6]]
            if len(problems) > 6:
                lines.append(f"… and {len(problems) - 6} more")
            head = "Skipping 1 file:" if len(problems) == 1 else f"Skipping {len(problems)} files:"
            self.show_notice("\n".join([head, *lines]), error=False)

        run_job(look, shown, owner=self)

    def pause_import(self) -> None:
        if self.worker is not None:
            self.queued.clear()
            self.refresh_due = False
            self.worker.pause()
            self.progress_row.stopping("Pausing after the current file…")

    def resume_import(self) -> None:
        if self.paused and self.worker is None:
            self.import_paths([], resume=True)

    def cancel_import(self) -> None:
        if self.worker is not None:
            self.queued.clear()
            self.refresh_due = False
            self.worker.cancel()
            self.progress_row.stopping("Cancelling after the current file…")
        elif self.paused and self.quire is not None:
            self.paused = False
            self.progress_row.idle()
            run_job(self.quire.abandon_import, lambda _p: self._cancelled_note(), self.show_error, self)

    def _cancelled_note(self) -> None:
        event = self.last_progress
        done = f"{event.files_done} of {event.files_total} files were imported; " if event else ""
        self.show_notice(f"Cancelled: {done}the rest are left out.", error=False)
        self.refresh()

    def _on_progress(self, event: Any) -> None:
        self.last_progress = event
        share = event.bytes_done / event.bytes_total if event.bytes_total else 0.0
        self.progress.setValue(int(share * 1000))
        elapsed = time.monotonic() - self._started
        eta = f" · {eta_text(elapsed / share - elapsed)}" if 0.02 < share < 1 and elapsed > 1 else ""
        if self.progress_row.state == "running":
            vectors = f" · vectors {event.vectors_done}/{event.vectors_total}" if event.vectors_total else ""
            done = f"{event.files_done}/{event.files_total} files{eta}{vectors}"
            self.progress_label.setText(f"{done} · {event.stage} {Path(event.path).name}")
        if event.stage in ("reading", "embedding"):
            first = event.path not in self.live
            self.live[event.path] = event.stage
            if first:
                self.schedule_refresh()
        else:
            self.live.pop(event.path, None)
            self.schedule_refresh()

    def _on_finished(self, summary: Any) -> None:
        self.last_summary = summary
        worker = self.worker
        abandoned = summary.cancelled and worker is not None and worker.abandon
        self.paused = summary.cancelled and not abandoned
        problems = [(p.path, p.error) for p in summary.failed]
        if self.background:  # a refresh speaks only of new trouble, not of what the list already shows
            shown = {(r.path, r.error) for r in self.records if r.state == "failed"}
            problems = [p for p in problems if p not in shown and p not in self.rejected.items()]
        for path, error in problems:
            self.rejected[path] = error
        lines = [f"{Path(path).name}: {error}" for path, error in problems]
        named = {path for path, _ in problems}
        skipped = [] if self.background else [p for p in summary.skipped if p.path not in named]
        if skipped:
            lines += [f"skipped {Path(p.path).name}: {p.error}" for p in skipped[:8]]
            if len(skipped) > 8:
                lines.append(f"… and {len(skipped) - 8} more skipped")
        if abandoned:
            event = self.last_progress
            done = f"{event.files_done} of {event.files_total} files were imported; " if event else ""
            lines.insert(0, f"Cancelled: {done}the rest are left out.")
        if lines:
            self.show_notice("\n".join(lines), error=bool(problems))
        self._end_import(summary)

    def _on_failed(self, message: str) -> None:
        self.last_error = self.worker.error if self.worker else None
        if not (self.background and isinstance(self.last_error, LibraryBusy)):
            self.show_error(f"Import failed: {message}")  # (another Quire writing: the watcher retries)
        self._end_import(None)

    def _end_import(self, summary: Any) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            worker.wait(2000)
            worker.deleteLater()
        self.live.clear()
        if self.paused:
            event = self.last_progress
            done = f" — {event.files_done} of {event.files_total} files imported" if event else ""
            self.progress_row.paused(f"Paused{done}. Resume carries on; so does the next start.")
        else:
            self.progress_row.idle()
        self.refresh()
        self.import_finished.emit(summary)
        if self.removing and not self._undo_timer.isActive():
            self._commit_removal()  # a removal that waited for the import
        if self.queued:
            queued, self.queued = self.queued, []
            self.import_paths(queued)
        elif self.refresh_due and not self.paused:
            self.refresh_due = False
            self.import_paths([], refresh=True)

    def shutdown(self, wait_ms: int = 15000) -> None:
        """Stop the import for closing (the catalog remembers it and the next start resumes), and
        carry out a removal whose Undo had not expired."""
        self.queued.clear()
        self.refresh_due = False
        if self.removing:
            self._commit_removal(wait=self.worker is None)
        worker = self.worker
        if worker is not None:
            worker.pause()
            if worker.wait(wait_ms):
                self.worker = None
                self.live.clear()
                self.progress_row.idle()
