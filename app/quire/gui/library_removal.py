"""Removing documents from the library: many at once asks first; the rows leave the list at once and
the library a few seconds later, so Undo can bring them back; what lies inside a library folder
stays out of its refreshes (Quire puts it on the exclude list)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton

from quire.gui.workers import run_job

CONFIRM_REMOVE_AT = 5  # removing this many documents or more asks first
UNDO_MS = 6000  # how long a removal can be undone


def names(paths: list[str], most: int = 3) -> str:
    shown = ", ".join(Path(p).name for p in paths[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")


class RemovalMixin:
    """Part of LibraryPanel: self is the panel."""

    def remove_selected(self) -> None:
        self.remove_paths(self.selected_paths(), ask=len(self.selected_paths()) >= CONFIRM_REMOVE_AT)

    def remove_paths(self, paths: list[str], ask: bool = False) -> None:
        """Take documents (or a folder's) out of the list now, out of the library once Undo has expired;
        ones inside a library folder stay out of it (Settings ▸ Library can bring them back)."""
        if not paths or self.quire is None:
            return
        covered = [
            r.path
            for r in self.records
            if any(r.path == p or r.path.startswith(p.rstrip("/") + os.sep) for p in paths)
        ]
        if not ask:
            self._stage_removal(paths, covered)
            return
        count = len(covered) or len(paths)
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove from the library?",
            f"Remove {count} documents from the library? The files stay on the disk; Quire stops "
            "answering from them, and refreshes of their library folder leave them out.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.button(QMessageBox.StandardButton.Yes).setText("Remove")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.accepted.connect(lambda: self._stage_removal(paths, covered))
        box.finished.connect(lambda _result: setattr(self, "confirm_box", None))
        self.confirm_box = box
        box.open()  # window-modal, not a nested event loop

    def _stage_removal(self, paths: list[str], covered: list[str]) -> None:
        if self.removing:
            self._commit_removal()  # one Undo at a time: the earlier removal happens now
        for path in paths:
            self.rejected.pop(path, None)
        self.removing = list(paths)
        self._removing_files = covered
        self.apply_filter()
        count = len(covered) or len(paths)
        what = Path(paths[0]).name if count == 1 else f"{count} documents"
        self.show_notice(f"Removed {what}.", error=False, action="Undo", on_action=self.undo_removal)
        self._undo_timer.start(self.undo_ms)

    @property
    def undo_button(self) -> QPushButton:
        return self.notice.action

    def undo_removal(self) -> None:
        self._undo_timer.stop()
        self.removing = []
        self.apply_filter()
        self.notice.hide()

    def _commit_removal(self, wait: bool = False) -> None:
        self._undo_timer.stop()
        paths, self.removing = self.removing, []
        if not paths or self.quire is None:
            return
        if self.notice.action.isVisible():
            self.notice.hide()
        quire = self.quire

        def remove() -> list[str]:
            quire.remove([Path(p) for p in paths])
            return [p for p in paths if p in set(quire.excluded())]

        if wait:  # closing: do it now, in this thread
            remove()
            return
        self.removing_now = paths
        run_job(remove, self._removed, lambda error: self._remove_failed(paths, error), self)

    def _removed(self, excluded: list[str]) -> None:
        self.refresh()
        if excluded:
            self.show_notice(
                f"{names(excluded)} will stay out of the library folder's refreshes. "
                "Settings ▸ Library can put them back.",
                error=False,
                hide_after_ms=8000,
            )

    def _remove_failed(self, paths: list[str], error: str) -> None:
        if self.worker is not None:  # an import holds the library: remove once it is done
            self.removing = paths
            return
        self.apply_filter()
        self.show_error(f"Cannot remove {names(paths)}: {error}")
