"""Settings ▸ Models with real widgets: a download from the loopback Hub with progress, pause and
resume; the model card for the shipped model and a truncated one; thumbs kept across a restart."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "models"))

from hub_server import Hub, HubFile, loopback_hub  # noqa: E402

NAME = "SmolLM2-gui.Q4_1.gguf"  # not the shipped name, which the bundled models folder would shadow


@pytest.fixture
def gui_hub(chat_model: Path) -> Iterator[Hub]:
    with loopback_hub() as hub:
        hub.add("test/smol", NAME, HubFile(chat_model.read_bytes(), rate_bps=12 * 2**20))
        yield hub


def _settings_panel(qtbot: Any, window: Any) -> Any:
    dialog = window.models.open_settings(models=True)
    panel = window.models.panel
    assert dialog.tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: panel.loaded, timeout=20_000)
    panel.full_check = False  # header, architecture, template, memory, load: seconds, not a minute
    return panel


def test_download_progress_pause_and_resume(qtbot: Any, open_window: Any, home: Path, gui_hub: Hub) -> None:
    from quire.models.download import pending_downloads

    (home / "config.toml").write_text(
        (home / "config.toml").read_text() + f'\n[models]\nhub_endpoint = "{gui_hub.url}"\n', encoding="utf-8"
    )
    window = open_window(home)
    panel = _settings_panel(qtbot, window)
    assert panel.row_named("Qwen2.5 7B Instruct") is not None  # the catalog is listed
    item = panel.row_named("Granite 4.0 H Micro")
    assert item is not None and item.text(7) in ("fits this machine", "tight", "too big")
    qtbot.keyClicks(panel.repo_edit, "test/smol")
    qtbot.keyClicks(panel.file_edit, NAME)
    QTest.mouseClick(panel.get_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: panel.progress.value() > 100 and "MB/s" in panel.progress_label.text(), timeout=20_000
    )
    assert panel.progress.isVisible() and "left" in panel.progress_label.text()
    QTest.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.pause_button.text() == "Resume", timeout=20_000)
    (paused,) = pending_downloads(window.quire.settings)
    assert 0 < paused.done < paused.size and "paused" in panel.progress_label.text()
    QTest.mouseClick(panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "resumed at" in panel.progress_label.text(), timeout=20_000)
    qtbot.waitUntil(lambda: panel.card.card is not None, timeout=60_000)
    assert panel.card.card.ok and panel.card.use_button.isEnabled()
    assert "SHA-256 matches" in panel.progress_label.text()
    assert gui_hub.seen("cdn", "GET")[-1][3]["range"] == f"bytes={paused.done}-"
    QTest.mouseClick(panel.card.use_button, Qt.MouseButton.LeftButton)
    assert window.quire.settings.get("providers.local.model") == NAME
    qtbot.waitUntil(lambda: window.model_picker.findData(NAME) >= 0, timeout=10_000)


def test_model_card_for_the_shipped_model_and_a_truncated_one(
    qtbot: Any, open_window: Any, home: Path, chat_model: Path, tmp_path: Path
) -> None:
    window = open_window(home)
    panel = _settings_panel(qtbot, window)
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(chat_model.read_bytes()[: 40 * 2**20])
    panel.check(broken)
    qtbot.waitUntil(lambda: panel.check_worker is None and panel.card.card is not None, timeout=30_000)
    assert not panel.card.card.ok and not panel.card.use_button.isEnabled()
    assert "Not usable" in panel.card.verdict.text() and "truncated" in panel.card.steps.text()
    item = panel.row_named("SmolLM2 135M Instruct")
    assert item is not None
    panel.table.setCurrentItem(item)
    assert panel.check_button.isEnabled()
    QTest.mouseClick(panel.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.check_worker is None and panel.card.card is not None, timeout=60_000)
    card = panel.card.card
    assert card.ok and card.architecture == "llama" and "Usable" in panel.card.verdict.text()
    assert [s.name for s in card.steps] == ["header", "architecture", "chat template", "memory", "load"]
    assert "Q4_1" in panel.card.facts.text() and "✓" in panel.card.steps.text()
    panel.add_file(broken)  # a broken file from disk is never added
    qtbot.waitUntil(lambda: panel.check_worker is None, timeout=30_000)
    assert not (window.quire.settings.home / "models" / "broken.gguf").exists()


@pytest.mark.slow
def test_thumbs_are_kept_across_a_restart(
    qtbot: Any, open_window: Any, library_copy: Path, chat_model: Path
) -> None:
    from test_chat import ask

    window = open_window(library_copy)
    run = ask(qtbot, window, "What did the volunteers count on the northern cliffs?")
    bubble = window.chat.last_answer()
    assert run.message.answer_id is not None and bubble.rating.isVisible()
    QTest.mouseClick(bubble.rating.up, Qt.MouseButton.LeftButton)
    answer_id = run.message.answer_id

    def stored() -> Any:
        with sqlite3.connect(library_copy / "metrics.sqlite3") as db:
            return db.execute(
                "SELECT rating, model_sha256 FROM answers WHERE id = ?", (answer_id,)
            ).fetchone()

    qtbot.waitUntil(lambda: stored()[0] == 1, timeout=10_000)
    assert stored()[1] == "b179c9523d0e"
    window.close()
    again = open_window(library_copy)
    bubble = again.chat.last_answer()
    assert bubble is not None and bubble.message.answer_id == answer_id
    assert bubble.rating.isVisible() and bubble.rating.up.isChecked() and not bubble.rating.down.isChecked()
    QTest.mouseClick(bubble.rating.down, Qt.MouseButton.LeftButton)  # changed my mind
    qtbot.waitUntil(lambda: stored()[0] == -1, timeout=10_000)
    again.tabs.setCurrentWidget(again.metrics_view)
    qtbot.waitUntil(lambda: again.metrics_view.table.rowCount() >= 1, timeout=10_000)
    headers = [
        again.metrics_view.table.horizontalHeaderItem(c).text()
        for c in range(again.metrics_view.table.columnCount())
    ]
    rated = headers.index("Rated good")
    assert again.metrics_view.table.item(0, rated).text() == "0% of 1"


def test_compare_marks_the_better_answer(
    qtbot: Any, open_window: Any, library_copy: Path, monkeypatch: Any
) -> None:
    from test_chat import ScriptedProvider

    providers = {"local": ScriptedProvider("local", ["Local ", "says ", "312."]),
                 "lan": ScriptedProvider("lan", ["LAN ", "says ", "312 ", "too."])}  # fmt: skip
    monkeypatch.setattr(
        "quire.providers.router.provider_chain", lambda choice, s, m=None: [providers[choice]]
    )
    window = open_window(library_copy)
    compare = window.compare
    qtbot.waitUntil(lambda: window.health_checked, timeout=20_000)
    compare.checks["lan"].setChecked(True)
    compare.checks["oci"].setChecked(False)
    compare.question.setText("How many puffins?")
    QTest.mouseClick(compare.go, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not compare.busy(), timeout=30_000)
    assert [b.isEnabled() for b in compare.prefer_buttons] == [True, True]
    ids = [run.worker.answer_id for run in compare.runs]
    QTest.mouseClick(compare.prefer_buttons[1], Qt.MouseButton.LeftButton)  # LAN's is better
    assert compare.prefer_buttons[1].isChecked() and not compare.prefer_buttons[0].isChecked()

    def preferences() -> list[tuple[int, int]]:
        with sqlite3.connect(library_copy / "metrics.sqlite3") as db:
            return db.execute("SELECT better, worse FROM preferences").fetchall()

    qtbot.waitUntil(lambda: preferences() == [(ids[1], ids[0])], timeout=10_000)
    QTest.mouseClick(compare.prefer_buttons[0], Qt.MouseButton.LeftButton)  # no: the local one
    qtbot.waitUntil(lambda: preferences() == [(ids[0], ids[1])], timeout=10_000)
    rows = {r["provider"]: r for r in window.quire.metrics.summary()}
    assert rows["local"]["preferred"] == 1 and rows["lan"]["preferred"] == 0
