"""The bugs a first real session hit (issue 18), one test each: drops copy, Cancel abandons while
Pause resumes, Remove sticks, no Qt object used after deletion, "&" in labels, the window comes
back as it was left, the chat follows the answer."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QAction, QDragEnterEvent, QDragMoveEvent, QDropEvent, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QSplitter
from test_library import _notes

from providers.servers import end_chunks, http_server, openai_delta, openai_finish, send_chunk, start_chunked


def _mime(paths: list[Path]) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return mime


def test_drops_are_copied_never_moved(qtbot: Any, open_window: Any, home: Path, gui_corpus: dict) -> None:
    window = open_window(home)
    offered = Qt.DropAction.CopyAction | Qt.DropAction.MoveAction
    mime = _mime([gui_corpus["md"]])
    # Shift held (or a file manager whose default is Move, as XDND tells it): Move is proposed
    buttons, keys = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier
    enter = QDragEnterEvent(QPoint(200, 200), offered, mime, buttons, keys)
    assert enter.proposedAction() == Qt.DropAction.MoveAction
    window.dragEnterEvent(enter)
    assert enter.isAccepted() and enter.dropAction() == Qt.DropAction.CopyAction
    move = QDragMoveEvent(QPoint(210, 210), offered, mime, buttons, keys)
    window.dragMoveEvent(move)
    assert move.isAccepted() and move.dropAction() == Qt.DropAction.CopyAction
    dropped = QDropEvent(QPointF(210, 210), offered, mime, buttons, keys)
    window.dropEvent(dropped)
    assert dropped.isAccepted() and dropped.dropAction() == Qt.DropAction.CopyAction
    assert window.library.is_importing()
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    assert gui_corpus["md"].exists()

    # A source that offers a link only gets a link; one that can only move is refused, and says so.
    link = QDropEvent(QPointF(210, 210), Qt.DropAction.LinkAction, mime, buttons, keys)
    window.dropEvent(link)
    assert link.isAccepted() and link.dropAction() == Qt.DropAction.LinkAction
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    only_move = QDropEvent(QPointF(210, 210), Qt.DropAction.MoveAction, mime, buttons, keys)
    window.dropEvent(only_move)
    assert not only_move.isAccepted() and not window.library.is_importing()
    assert "never moves" in window.library.notice.text()


def _start_import(qtbot: Any, window: Any, folder: Path) -> list[Any]:
    events: list[Any] = []
    window.library.import_paths([folder])
    window.library.worker.progress.connect(events.append)
    qtbot.waitUntil(lambda: any(e.stage == "indexed" for e in events), timeout=30_000)
    return events


def test_cancel_abandons_the_rest_and_nothing_resumes(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    notes = _notes(tmp_path / "many", 16)
    window = open_window(home)
    _start_import(qtbot, window, notes[0].parent)
    window.library.cancel_import()
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    assert window.library.last_summary.cancelled
    kept = {r.path for r in window.quire.catalog.files() if r.state == "indexed"}
    assert 1 <= len(kept) < 16  # the finished files stay
    qtbot.waitUntil(lambda: not window.quire.pending_imports(), timeout=5000)
    text = window.library.notice.text()
    assert "Cancelled" in text and "resume" not in text
    assert str(notes[0].parent) not in window.quire.folders()  # a half-imported folder is not kept
    window.close()

    again = open_window(home)
    qtbot.wait(1500)  # a resume (or a folder refresh) would have started by now
    assert not again.library.is_importing()
    assert {r.path for r in again.quire.catalog.files()} == kept


def test_pause_keeps_the_rest_for_resume(qtbot: Any, open_window: Any, home: Path, tmp_path: Path) -> None:
    notes = _notes(tmp_path / "many", 16)
    window = open_window(home)
    _start_import(qtbot, window, notes[0].parent)
    window.library.pause_import()
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    assert window.quire.pending_imports()
    assert window.library.progress_row.isVisible()  # paused: the row stays, with Resume and Cancel
    assert window.library.resume_button.isVisible() and "Paused" in window.library.progress_label.text()
    done = sum(1 for r in window.quire.catalog.files() if r.state == "indexed")
    assert done < 16
    window.close()  # a quit while paused: the next start carries on by itself

    again = open_window(home)
    qtbot.waitUntil(
        lambda: (
            sum(1 for r in again.quire.catalog.files() if r.state == "indexed") == 16
            and not again.library.is_importing()
        ),
        timeout=60_000,
    )
    assert not again.quire.pending_imports()
    assert str(notes[0].parent) in again.quire.folders()


def test_resume_now_and_cancel_while_paused(qtbot: Any, open_window: Any, home: Path, tmp_path: Path) -> None:
    notes = _notes(tmp_path / "many", 12)
    window = open_window(home)
    _start_import(qtbot, window, notes[0].parent)
    window.library.pause_import()
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    window.library.resume_import()
    assert window.library.is_importing()
    events: list[Any] = []
    window.library.worker.progress.connect(events.append)
    qtbot.waitUntil(lambda: any(e.stage == "indexed" for e in events), timeout=30_000)
    window.library.pause_import()
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    window.library.cancel_import()  # paused, then cancelled: the rest is dropped
    qtbot.waitUntil(lambda: not window.quire.pending_imports(), timeout=5000)
    assert not window.library.progress_row.isVisible()
    assert sum(1 for r in window.quire.catalog.files() if r.state == "indexed") < 12


def test_removed_files_stay_out_until_re_included(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    notes = _notes(tmp_path / "folder", 3)
    window = open_window(home)
    window.library.import_paths([notes[0].parent])
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    qtbot.waitUntil(lambda: len(window.library.rows()) == 3)
    window.library.undo_ms = 200
    window.library.select_path(str(notes[1]))
    window.library.remove_selected()
    qtbot.waitUntil(lambda: window.quire.catalog.file(str(notes[1])) is None, timeout=10_000)
    assert str(notes[1]) in window.quire.excluded()
    window.library.refresh_folders()  # what the watcher does when the folder changes
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    assert window.quire.catalog.file(str(notes[1])) is None
    assert "note-001.md" not in window.library.rows()
    window.close()

    again = open_window(home)
    qtbot.wait(1500)
    qtbot.waitUntil(lambda: not again.library.is_importing(), timeout=30_000)
    assert again.quire.catalog.file(str(notes[1])) is None  # not back after a restart either

    # Settings ▸ Library lists it; re-including brings it back with the next refresh.
    dialog = again.open_settings()
    assert dialog.excluded_list.count() == 1 and str(notes[1]) in dialog.excluded_list.item(0).text()
    dialog.excluded_list.item(0).setSelected(True)
    dialog.reinclude_selected()
    assert dialog.excluded_list.count() == 0
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    qtbot.waitUntil(lambda: again.quire.catalog.file(str(notes[1])) is not None, timeout=30_000)
    assert not again.quire.excluded()


def test_removing_many_asks_first_and_can_be_undone(
    qtbot: Any, open_window: Any, home: Path, tmp_path: Path
) -> None:
    notes = _notes(tmp_path / "folder", 6)
    window = open_window(home)
    window.library.import_paths([notes[0].parent])
    qtbot.waitUntil(lambda: not window.library.is_importing(), timeout=30_000)
    qtbot.waitUntil(lambda: len(window.library.rows()) == 6)
    window.library.tree.selectAll()
    window.library.remove_selected()
    box = window.library.confirm_box
    assert box is not None and box.isVisible() and "6 documents" in box.text()
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert len(window.library.rows()) == 6  # said no: nothing happens

    window.library.undo_ms = 3000
    window.library.tree.selectAll()
    window.library.remove_selected()
    window.library.confirm_box.button(QMessageBox.StandardButton.Yes).click()
    assert window.library.rows() == {}  # gone from the list at once…
    assert window.library.undo_button.isVisible()
    qtbot.mouseClick(window.library.undo_button, Qt.MouseButton.LeftButton)  # …and back with Undo
    assert len(window.library.rows()) == 6
    qtbot.wait(3500)
    assert all(window.quire.catalog.file(str(p)) is not None for p in notes)
    assert not window.quire.excluded()


def test_a_closed_viewer_is_never_touched_again(
    qtbot: Any, open_window: Any, library_copy: Path, caplog: Any
) -> None:
    from quire.gui.history import Message, Source

    window = open_window(library_copy)
    chunks = window.quire.catalog.chunks_by_id(
        [cid for r in window.quire.catalog.files() for cid in window.quire.catalog.chunk_ids(r.path)]
    ).values()
    note = next(c for c in chunks if c.path.endswith("garden.md"))
    slide = next(c for c in chunks if c.slide == 2)
    message = Message(
        "assistant",
        "Water them [1]; the order closes Friday [2].",
        sources=[
            Source(1, note.path, None, None, note.heading, note.text, True),
            Source(2, slide.path, None, 2, slide.heading, slide.text, True),
        ],
    )
    bubble = window.chat.add_message(message)
    first, second = bubble.chip_buttons()
    qtbot.mouseClick(first, Qt.MouseButton.LeftButton)
    viewer = window.viewers[-1]
    viewer.activateWindow()
    qtbot.waitUntil(viewer.isActiveWindow, timeout=2000)
    QTest.keyClick(viewer, Qt.Key.Key_Escape)  # closed with Esc: Qt deletes it
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    qtbot.wait(50)
    with caplog.at_level(logging.ERROR):
        qtbot.mouseClick(second, Qt.MouseButton.LeftButton)  # raised RuntimeError before the fix
    assert window.viewers and window.viewers[-1].isVisible()
    assert len(window.viewers) == 1


def test_unexpected_errors_go_to_the_log_and_a_sentence_to_the_window(
    qtbot: Any, open_window: Any, library_copy: Path, caplog: Any
) -> None:
    from quire.gui.app import report_unexpected

    window = open_window(library_copy)
    try:
        raise RuntimeError("Internal C++ object (TextSourceViewer) already deleted.")
    except RuntimeError as exc:
        with caplog.at_level(logging.ERROR):
            report_unexpected(type(exc), exc, exc.__traceback__)
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)
    assert "went wrong" in window.statusBar().currentMessage()
    assert "log" in window.statusBar().currentMessage()


def test_ampersands_in_file_names_stay_ampersands(open_window: Any, library_copy: Path) -> None:
    from quire.gui.history import Message, Source

    window = open_window(library_copy)
    source = Source(1, "/docs/Benefits & Perks.md", None, None, "Leave & Holidays", "Text.")
    bubble = window.chat.add_message(Message("assistant", "See [1].", sources=[source]))
    (chip,) = bubble.chip_buttons()
    # Qt shows a button's text with each "&x" as an underlined x and "&&" as "&"
    shown = re.sub(r"&(.)", r"\1", chip.text())
    assert shown == source.label == "[1] Benefits & Perks.md § Leave & Holidays"
    assert QKeySequence.mnemonic(chip.text()).isEmpty()  # and no Alt shortcut is made from it


def _quit_action(window: Any) -> QAction:
    quit_keys = QKeySequence("Ctrl+Q")
    return next(a for a in window.findChildren(QAction) if a.shortcut() == quit_keys)


def test_the_window_comes_back_as_it_was_left(qtbot: Any, open_window: Any, library_copy: Path) -> None:
    window = open_window(library_copy)
    splitter = window.findChild(QSplitter)
    window.resize(770, 690)  # (the offscreen screen is 800×800: Qt fits a restored window to it)
    splitter.setSizes([300, 470])
    window.tabs.setCurrentIndex(1)
    window.library.tree.setColumnWidth(1, 97)
    qtbot.wait(50)
    sizes = splitter.sizes()
    _quit_action(window).trigger()  # File ▸ Quit, Ctrl+Q
    assert not window.isVisible()

    again = open_window(library_copy)
    assert (again.width(), again.height()) == (770, 690)
    assert again.findChild(QSplitter).sizes() == sizes
    assert again.tabs.currentIndex() == 1
    assert again.library.tree.columnWidth(1) == 97

    again.resize(720, 760)
    again.tabs.setCurrentIndex(2)
    qtbot.wait(50)
    again.close()  # the title bar's close button
    third = open_window(library_copy)
    assert (third.width(), third.height()) == (720, 760)
    assert third.tabs.currentIndex() == 2


def _long_history(home: Path, turns: int) -> None:
    messages = []
    for n in range(turns):
        messages.append({"role": "user", "text": f"Question {n} about the lighthouse?"})
        messages.append({"role": "assistant", "text": f"Answer {n}. " + "The keeper logged it. " * 30})
    data = {"version": 1, "conversations": [{"started": time.time(), "messages": messages}]}
    (home / "chat_history.json").write_text(json.dumps(data), encoding="utf-8")


def test_the_chat_opens_at_the_latest_message_and_follows_the_answer(
    qtbot: Any, open_window: Any, library_copy: Path
) -> None:
    _long_history(library_copy, 12)
    release = threading.Event()

    def answer(request: Any, _body: bytes) -> None:
        start_chunked(request)
        for n in range(60):
            send_chunk(request, openai_delta(f"Line {n} of a long answer about the keeper's log.\n\n"))
            if n == 20:
                release.wait(20)  # the test scrolls up here
            time.sleep(0.01)
        send_chunk(request, openai_finish())
        end_chunks(request)

    with http_server(answer) as (url, _recorder):
        config = library_copy / "config.toml"
        config.write_text(
            f'[providers]\nmax_tokens = 400\ndefault = "lan"\n[providers.lan]\nurl = "{url}/v1"\n',
            encoding="utf-8",
        )
        window = open_window(library_copy)
        window.resize(1000, 640)
        bar = window.chat.scroll.verticalScrollBar()
        qtbot.waitUntil(lambda: bar.maximum() > 0 and bar.value() == bar.maximum(), timeout=5000)
        qtbot.wait(300)  # later layouts (wrapped Markdown) must not leave it mid-way
        assert bar.value() == bar.maximum()

        window.chat.input.setPlainText("Tell me about the log.")
        QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
        run = window.run
        qtbot.waitUntil(lambda: run.message.text.count("Line") >= 15, timeout=20_000)
        qtbot.wait(100)
        assert bar.value() == bar.maximum()  # it follows the answer as it streams

        bar.setValue(bar.maximum() // 2)  # the user scrolls up to read
        where = bar.value()
        release.set()
        qtbot.waitUntil(lambda: run.done, timeout=20_000)
        qtbot.wait(100)
        assert bar.value() == where  # and it stays where the user put it
        assert bar.maximum() > where
