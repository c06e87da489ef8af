"""The look and the keys: dark mode (the system's, or Settings' choice), every shortcut listed in
Help ▸ Keyboard shortcuts and defined in shortcuts.py, the answer settings, the small things
(the folder dialog's start, Copy with sources, the wait before the first token, Stop in Metrics)."""

from __future__ import annotations

import threading
import time
import tomllib
from pathlib import Path
from typing import Any

from PySide6.QtGui import QAction, QGuiApplication, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import QApplication

from providers.servers import end_chunks, http_server, openai_delta, openai_finish, send_chunk, start_chunked
from quire.gui import shortcuts, style


def _keys_in(widget: Any) -> set[str]:
    found = {a.shortcut().toString() for a in widget.findChildren(QAction) if not a.shortcut().isEmpty()}
    found |= {s.key().toString() for s in widget.findChildren(QShortcut) if not s.key().isEmpty()}
    return found


def test_dark_mode_follows_the_system_unless_settings_choose(
    qtbot: Any, open_window: Any, library_copy: Path
) -> None:
    window = open_window(library_copy)
    app = QApplication.instance()
    system_dark = QGuiApplication.styleHints().colorScheme().name == "Dark"
    assert style.current().dark == system_dark  # "system" by default
    window.actions["theme_dark"].trigger()
    assert style.current().dark and app.palette().color(QPalette.ColorRole.Window).name() == style.DARK.window
    assert style.DARK.surface in app.styleSheet() and "@surface" not in app.styleSheet()
    bubble_bg = window.chat.palette().color(QPalette.ColorRole.Base).lightness()
    assert bubble_bg < 60
    saved = tomllib.loads((library_copy / "config.toml").read_text(encoding="utf-8"))
    assert saved["gui"]["theme"] == "dark"

    window.actions["theme_light"].trigger()
    assert (
        not style.current().dark
        and app.palette().color(QPalette.ColorRole.Window).name() == style.LIGHT.window
    )
    dialog = window.open_settings()
    combo = dialog.fields["gui.theme"]
    combo.setCurrentIndex(combo.findData("dark"))
    dialog.save()
    assert style.current().dark and window.actions["theme_dark"].isChecked()
    window.actions["theme_system"].trigger()
    assert style.current().dark == system_dark


def test_every_shortcut_is_defined_in_one_place_and_listed(
    qtbot: Any, open_window: Any, library_copy: Path
) -> None:
    window = open_window(library_copy)
    listed = {shortcuts.keys(s).toString() for s in shortcuts.ALL}
    viewer = window.open_document(
        next(r.path for r in window.quire.catalog.files() if r.path.endswith(".pdf"))
    )
    defined = _keys_in(window) | _keys_in(viewer)
    assert defined and defined <= listed, defined - listed
    for wanted in (
        "Ctrl+K",
        "Ctrl+L",
        "Ctrl+N",
        "Esc",
        "Ctrl+Shift+C",
        "Ctrl+F",
        "Ctrl+0",
        "Ctrl+G",
        "Ctrl+Q",
    ):
        assert wanted in defined, wanted
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "View", "Help"]

    dialog = window.show_shortcuts()  # Help ▸ Keyboard Shortcuts
    rows = dialog.listed()
    assert len(rows) == len(shortcuts.table()) and rows == [tuple(r) for r in shortcuts.table()]
    shown = " ".join(keys for _where, keys, _what in rows)
    native = QKeySequence.SequenceFormat.NativeText
    for wanted in ("Ctrl+K", "Ctrl+L", "Ctrl+N", "Esc", "Ctrl+Shift+C"):
        assert QKeySequence(wanted).toString(native) in shown
    assert ("Window", QKeySequence("Ctrl+K").toString(native), "Filter the library") in rows

    # View ▸ Larger Text makes the chat's text larger, remembered for the next start.
    before = style.current().chat_px
    window.actions["text_larger"].trigger()
    assert (
        style.current().chat_px == before + 1
        and f"font-size: {before + 1}px" in QApplication.instance().styleSheet()
    )
    window.actions["text_reset"].trigger()
    assert style.current().chat_px == style.CHAT_PX


def test_answer_settings_say_their_defaults_and_are_saved(
    qtbot: Any, open_window: Any, library_copy: Path
) -> None:
    from quire.chat.profiles import TINY

    (library_copy / "config.toml").write_text('[providers]\ndefault = "local"\n', encoding="utf-8")
    window = open_window(library_copy)
    dialog = window.open_settings(focus="local")
    assert dialog.tabs.tabText(dialog.tabs.currentIndex()) == "Local model"
    fields = dialog.fields
    temperature, length = fields["providers.temperature"], fields["providers.max_tokens"]
    assert temperature.text() == "by the model's size" and length.text() == "by the model's size"
    page = dialog.tabs.currentWidget()
    hints = " ".join(
        label.text() for label in page.findChildren(type(dialog.error)) if label.objectName() == "hint"
    )
    assert (
        f"{TINY.max_tokens} tokens for the bundled model" in hints and str(TINY.sampling.temperature) in hints
    )
    assert "physical core" in hints and "Context" not in hints  # the hints explain, the labels name
    temperature.setValue(0.7)
    length.setValue(200)
    fields["providers.local.context"].setValue(2048)
    fields["providers.local.threads"].setValue(2)
    with qtbot.waitSignal(dialog.saved):
        dialog.save()
    saved = tomllib.loads((library_copy / "config.toml").read_text(encoding="utf-8"))["providers"]
    assert saved["temperature"] == 0.7 and saved["max_tokens"] == 200
    assert saved["local"]["context"] == 2048 and saved["local"]["threads"] == 2

    again = window.open_settings(focus="local")
    again.fields["providers.temperature"].setValue(-0.1)  # back to "by the model's size"
    again.fields["providers.max_tokens"].setValue(0)
    again.save()
    saved = tomllib.loads((library_copy / "config.toml").read_text(encoding="utf-8"))["providers"]
    assert saved["temperature"] == -1.0 and saved["max_tokens"] == 0


def test_the_folder_dialog_starts_where_the_user_was_last(
    qtbot: Any, open_window: Any, library_copy: Path, tmp_path: Path
) -> None:
    window = open_window(library_copy)
    assert window.library.start_folder() == str(Path.home())  # nothing chosen yet: the home folder
    window.library.remember_folder(str(tmp_path))
    window.close()
    again = open_window(library_copy)
    assert again.library.start_folder() == str(tmp_path)


def test_waiting_copy_and_stop(qtbot: Any, open_window: Any, library_copy: Path) -> None:
    """Before the first token a clock counts; Copy takes the sources; a Stop is not an error."""
    release = threading.Event()

    def answer(request: Any, _body: bytes) -> None:
        release.wait(10)  # the model is slow to start
        start_chunked(request)
        for n in range(200):
            send_chunk(request, openai_delta(f"puffins {n} [1] "))
            time.sleep(0.02)
        send_chunk(request, openai_finish())
        end_chunks(request)

    with http_server(answer) as (url, _recorder):
        (library_copy / "config.toml").write_text(
            f'[providers]\ndefault = "lan"\nmax_tokens = 300\n[providers.lan]\nurl = "{url}/v1"\n',
            encoding="utf-8",
        )
        window = open_window(library_copy)
        window.chat.input.setPlainText("How many puffins?")
        window.chat.submit()
        run = window.run
        qtbot.waitUntil(
            lambda: "waiting for the first token" in run.bubble.metrics_line.text(), timeout=20_000
        )
        first = run.bubble.metrics_line.text()
        qtbot.wait(400)
        later = run.bubble.metrics_line.text()
        assert first != later and later.endswith(" s")  # it counts
        seconds = float(later.rsplit("·", 1)[1].strip().removesuffix(" s"))
        assert seconds > 0.3
        release.set()
        qtbot.waitUntil(lambda: "puffins 5" in run.message.text, timeout=20_000)
        window.stop_answer()
        qtbot.waitUntil(lambda: run.done, timeout=20_000)
        assert "Stopped" in run.bubble.notice.text()

    window.copy_last_answer()
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith(run.message.text.rstrip()) and "\n\nSources:\n" in copied
    cited = [s for s in run.message.sources if s.cited] or run.message.sources
    assert cited and all(s.path in copied for s in cited)

    summary = {(r["provider"]): r for r in window.quire.metrics.summary()}
    assert summary["lan"]["stopped"] == 1 and summary["lan"]["errors"] == 0
    window.tabs.setCurrentWidget(window.metrics_view)
    table = window.metrics_view.table
    qtbot.waitUntil(lambda: table.rowCount() == 1, timeout=10_000)
    columns = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    assert table.item(0, columns.index("Stopped")).text() == "1"
    assert table.item(0, columns.index("Errors")).text() == "0"
    labels = window.metrics_view.ttft_chart.x_labels()
    assert labels and labels[0] == (0, "1")  # the charts' x axis is labelled


def test_a_flagged_number_is_marked_in_the_answer_only() -> None:
    """A flag "4" once matched "HTML 4.0" in the DOCTYPE and the card showed markup as text."""
    from PySide6.QtGui import QTextDocument

    from quire.gui.message_bubble import flagged_html

    html = flagged_html("The **committee** met on 2026-13-4 with 4 members.", ["4", "13"])
    document = QTextDocument()
    document.setHtml(html)
    assert document.toPlainText().strip() == "The committee met on 2026-13-4 with 4 members."
    assert html.count("quire-flag:") == 2 and "DTD" not in html
    assert "font-size" not in html.split("<body", 1)[1].split(">", 1)[0]  # the chat's text size rules
