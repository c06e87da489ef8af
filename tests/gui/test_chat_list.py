"""Chats in the window: the chat list (new, rename, delete, search, restored on restart), File ▸
Export chat, the filter chip above a time-scoped answer (✕ asks again without it), a set
question's progress, and a follow-up in the same chat. Real widgets, real retrieval and
AnswerStream; the model is scripted (see test_chat.py) so that these run in seconds."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from test_chat import ScriptedProvider, ask, scripted  # noqa: F401 (the fixture)

from quire.bench.meetings import TODAY, in_range, make_meeting_library
from quire.search.filters import NO_FILTER


@pytest.fixture(scope="session")
def dated_home(tmp_path_factory: pytest.TempPathFactory, shared_embedder: Any) -> tuple[Path, list[Any]]:
    from quire.config import Settings
    from quire.core import Quire

    folder = tmp_path_factory.mktemp("gui-meetings")
    documents = make_meeting_library(folder)
    home = tmp_path_factory.mktemp("gui-dated")
    (home / "config.toml").write_text('[providers]\nmax_tokens = 40\ndefault = "local"\n', encoding="utf-8")
    quire = Quire(Settings.load(home))
    quire.embedder = shared_embedder
    assert not quire.ingest([folder]).failed
    return home, documents


@pytest.fixture
def dated_window(
    dated_home: tuple[Path, list[Any]], tmp_path: Path, open_window: Any, monkeypatch: pytest.MonkeyPatch
) -> Callable[[], Any]:
    """Opens a window over a copy of the dated library, its clock at the library's TODAY."""
    home = tmp_path / "dated"
    shutil.copytree(dated_home[0], home)
    monkeypatch.setenv("QUIRE_HOME", str(home))

    def opener() -> Any:
        window = open_window(home)
        window.quire.clock = lambda: TODAY
        return window

    return opener


def test_chat_list_new_rename_delete_search_restored(
    qtbot: Any,
    open_window: Any,
    library_copy: Path,
    scripted: dict[str, ScriptedProvider],  # noqa: F811
) -> None:
    scripted["local"] = ScriptedProvider("local", ["They counted ", "312 puffins [1]."])
    window = open_window(library_copy)
    listing = window.chat_list
    assert listing.chat_ids() == []
    ask(qtbot, window, "How many puffins were counted?")
    first = window.history.chat_id
    assert listing.titles() == ["How many puffins were counted?"]
    window.new_chat()
    assert window.chat.bubbles == [] and listing.selected_id() is None
    ask(qtbot, window, "What does the lemon cake need?")
    second = window.history.chat_id
    assert listing.chat_ids() == [second, first]  # the newest first

    listing.items.itemClicked.emit(listing.items.item(1))  # back to the first chat
    assert window.history.chat_id == first
    assert [b.message.text for b in window.chat.bubbles] == [
        "How many puffins were counted?",
        "They counted 312 puffins [1].",
    ]
    assert window.chat.bubbles[1].chip_buttons()  # its citations came back with it

    listing.ask_rename(first, "Birds")
    assert listing.titles() == ["What does the lemon cake need?", "Birds"]
    listing.search.setText("lemon")
    assert listing.chat_ids() == [second]
    listing.search.setText("")
    listing.confirm_delete = False
    listing.ask_delete(second)
    assert listing.chat_ids() == [first]

    window.close()
    again = open_window(library_copy)
    assert again.chat_list.chat_ids() == [first] and again.chat_list.titles() == ["Birds"]
    assert again.history.chat_id == first and len(again.chat.bubbles) == 2  # restored on restart


def test_export_chat_writes_markdown_with_citations(
    qtbot: Any,
    open_window: Any,
    library_copy: Path,
    tmp_path: Path,
    scripted: dict[str, ScriptedProvider],  # noqa: F811
) -> None:
    scripted["local"] = ScriptedProvider("local", ["The society spent 4,200 euros [1]."])
    window = open_window(library_copy)
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if a.text() == "&Export Chat…")
    assert action.isEnabled()
    ask(qtbot, window, "How much was spent on repainting?")
    written = window.chats.export(tmp_path / "chat.md")
    text = written.read_text(encoding="utf-8") if written else ""
    assert text.startswith("# How much was spent on repainting?")
    assert "The society spent 4,200 euros [1]." in text
    assert "report.pdf p.2](file://" in text and "#page=2" in text


def test_filter_chip_set_progress_and_one_click_removal(
    qtbot: Any,
    dated_window: Any,
    dated_home: Any,
    scripted: dict[str, ScriptedProvider],  # noqa: F811
) -> None:
    scripted["local"] = ScriptedProvider(
        "local", ["Four meetings: risks at Globex [1] and Hooli [3]."], delay=0.05
    )
    window = dated_window()
    events: list[str] = []
    run_holder: list[Any] = []

    def watch_progress() -> None:
        run_holder.append(window.run)
        window.run.worker.progress.connect(lambda event: events.append(event.text()))

    window.chat.input.setPlainText("Summarize last week's customer meetings and identify risks")
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    QTest.keyClick(window.chat.input, Qt.Key.Key_Return)
    watch_progress()
    run = window.run
    qtbot.waitUntil(lambda: run.done, timeout=60_000)
    chip = run.bubble.filter_chip
    assert chip is not None and chip.isVisible()
    assert chip.label.text() == "Meetings dated 18–24 Oct 2021 · 4 documents"
    week = in_range(dated_home[1], TODAY.replace(day=18), TODAY.replace(day=24))
    assert {s.path for s in run.message.sources} == week  # the set answer cites the week's documents
    assert events[-1] == "writing the answer from 4 meetings" and "read 2 of 4 meetings" in events
    progress = run.bubble.set_progress
    assert progress.bar.value() == progress.bar.maximum() == 4 and not progress.isVisible()
    assert run.message.data["filter"]["label"] == chip.label.text()

    # A follow-up in the same chat keeps last week.
    follow = ask(qtbot, window, "and which decisions were made?")
    assert follow.worker.chat == window.history.chat_id and follow.worker.stream.query.follow_up
    assert follow.bubble.filter_chip.label.text() == "Meetings dated 18–24 Oct 2021 · 4 documents"

    # One click on ✕ asks the same question again, without the filter.
    qtbot.mouseClick(chip.remove_button, Qt.MouseButton.LeftButton)
    again = window.run
    assert again is not follow and again.worker.query_filter is NO_FILTER
    qtbot.waitUntil(lambda: again.done, timeout=60_000)
    assert (
        window.chat.bubbles[-2].message.text == "Summarize last week's customer meetings and identify risks"
    )
    assert getattr(again.bubble, "filter_chip", None) is None and again.worker.stream.within is None

    # Restored with the chat: the chip comes back on the answers that had one.
    window.close()
    reopened = dated_window()
    chips = [getattr(b, "filter_chip", None) for b in reopened.chat.bubbles if b.message.role == "assistant"]
    assert [c.label.text() if c else None for c in chips] == [
        "Meetings dated 18–24 Oct 2021 · 4 documents",
        "Meetings dated 18–24 Oct 2021 · 4 documents",
        None,
    ]


def test_library_list_shows_dates_and_sorts_by_them(qtbot: Any, dated_window: Any, dated_home: Any) -> None:
    window = dated_window()
    tree = window.library.tree
    qtbot.waitUntil(lambda: tree.topLevelItemCount() == len(dated_home[1]), timeout=20_000)
    dates = {d.path.name: d.date.isoformat() for d in dated_home[1]}
    shown = {
        tree.topLevelItem(n).text(0): tree.topLevelItem(n).text(window.library.DATE)
        for n in range(tree.topLevelItemCount())
    }
    assert shown == dates
    assert "(from its front matter)" in next(
        tree.topLevelItem(n).toolTip(0)
        for n in range(tree.topLevelItemCount())
        if "notes" in tree.topLevelItem(n).text(0)
    )
    window.library.tree.header().sectionClicked.emit(window.library.DATE)
    order = [tree.topLevelItem(n).text(window.library.DATE) for n in range(tree.topLevelItemCount())]
    assert order == sorted(dates.values(), reverse=True)  # newest first
    window.library.tree.header().sectionClicked.emit(window.library.DATE)
    names = [tree.topLevelItem(n).text(0) for n in range(tree.topLevelItemCount())]
    assert names == sorted(names, key=str.lower)  # a second click: by name again
