"""Chats in SQLite: turns kept across reopening, titles, search, rename, delete, Markdown export,
and the old chat_history.json imported once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quire.chat.chats import ChatNotFound, ChatStore

SOURCE = {
    "n": 1,
    "path": "/lib/Meetings/2021-10-21-hooli.md",
    "page": None,
    "slide": None,
    "heading": "Discussion",
    "cited": True,
    "text": "The Hooli renewal is due on 15 December 2021.",
    "date": "2021-10-21",
}


def _answer_data() -> dict[str, object]:
    return {
        "sources": [SOURCE, {**SOURCE, "n": 2, "path": "/lib/report.pdf", "page": 2, "cited": False}],
        "provider": "local",
        "model": "SmolLM2-135M-Instruct.Q4_1.gguf",
        "query": {"standalone": "When is the Hooli renewal due?"},
        "filter": {
            "dates": {"since": "2021-10-18", "until": "2021-10-24", "phrase": "last week"},
            "scope": None,
            "subject": "meetings",
            "label": "Meetings dated 18–24 Oct 2021 · 1 document",
        },
    }


def test_a_chat_is_kept_and_restored(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite3")
    chat = store.create()
    store.add_turn(chat, "user", "When is the Hooli renewal due last week?")
    store.add_turn(chat, "assistant", "On 15 December 2021 [1].", _answer_data())
    store.close()

    again = ChatStore(tmp_path / "chats.sqlite3")
    summary = again.get(chat)
    assert summary.title == "When is the Hooli renewal due last week?" and summary.turns == 2
    turns = again.turns(chat)
    assert [t.role for t in turns] == ["user", "assistant"]
    assert turns[1].sources[0]["date"] == "2021-10-21"
    prior = again.prior_turn(chat)
    assert prior is not None
    assert prior.standalone == "When is the Hooli renewal due?"
    assert prior.documents[0] == SOURCE["path"]  # the cited one first
    assert prior.filter.dates is not None and prior.filter.dates.start.isoformat() == "2021-10-18"
    assert again.recent_messages(chat)[-1] == {"role": "assistant", "content": "On 15 December 2021 [1]."}


def test_list_search_rename_delete(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite3")
    first, second = store.create(), store.create()
    store.add_turn(first, "user", "Puffins on the cliffs?")
    store.add_turn(second, "user", "The Falcon budget")
    store.add_turn(second, "assistant", "9,900 dollars for telescopes")
    assert [c.id for c in store.chats()] == [second, first]  # the newest first
    assert [c.id for c in store.chats("telescopes")] == [second]  # matches any turn's text
    assert [c.id for c in store.chats("PUFFIN")] == [first]
    assert store.chats("100%") == []
    store.rename(first, "Birds")
    assert store.get(first).title == "Birds"
    store.delete(first)
    assert [c.id for c in store.chats()] == [second]
    with pytest.raises(ChatNotFound, match=f"no chat {first}"):
        store.turns(first)
    with pytest.raises(ChatNotFound):
        store.delete(first)


def test_export_to_markdown_with_citations(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "chats.sqlite3")
    chat = store.create()
    store.add_turn(chat, "user", "When is the Hooli renewal due?")
    store.add_turn(chat, "assistant", "On 15 December 2021 [1].", _answer_data())
    text = store.export_markdown(chat)
    assert text.startswith("# When is the Hooli renewal due?\n")
    assert "## When is the Hooli renewal due?" in text
    assert "*Within: Meetings dated 18–24 Oct 2021 · 1 document*" in text
    assert "On 15 December 2021 [1]." in text
    assert (
        "- [1] [2021-10-21-hooli.md § Discussion](file:///lib/Meetings/2021-10-21-hooli.md) (2021-10-21)"
        in text
    )
    assert "  > The Hooli renewal is due on 15 December 2021." in text
    assert "[2] [report.pdf p.2](file:///lib/report.pdf#page=2) (2021-10-21) (not cited)" in text
    assert "*Answered by local · SmolLM2-135M-Instruct.Q4_1.gguf" in text


def test_the_old_json_history_is_imported_once(tmp_path: Path) -> None:
    old = {
        "version": 1,
        "conversations": [
            {"started": 1700000000.0, "messages": [
                {"role": "user", "text": "How many puffins?", "at": 1700000001.0},
                {"role": "assistant", "text": "312 puffins [1].", "sources": [SOURCE], "provider": "local",
                 "metrics": {"ttft_s": 0.4}, "at": 1700000002.0},
            ]},
            {"started": 1700000100.0, "messages": []},
        ],
    }  # fmt: skip
    (tmp_path / "chat_history.json").write_text(json.dumps(old), encoding="utf-8")
    store = ChatStore(tmp_path / "chats.sqlite3")
    chats = store.chats()
    assert [c.title for c in chats] == ["How many puffins?"]  # the empty conversation is not a chat
    turns = store.turns(chats[0].id)
    assert turns[1].text == "312 puffins [1]." and turns[1].sources[0]["path"] == SOURCE["path"]
    assert turns[1].data["metrics"] == {"ttft_s": 0.4} and turns[1].at == 1700000002.0
    assert not (tmp_path / "chat_history.json").exists()
    assert (tmp_path / "chat_history.json.migrated").exists()  # nothing lost
    store.close()
    (tmp_path / "chat_history.json").write_text(json.dumps(old), encoding="utf-8")
    assert len(ChatStore(tmp_path / "chats.sqlite3").chats()) == 1  # never imported twice


def test_a_damaged_json_history_is_left_alone(tmp_path: Path) -> None:
    (tmp_path / "chat_history.json").write_text("{not json", encoding="utf-8")
    store = ChatStore(tmp_path / "chats.sqlite3")
    assert store.chats() == []
    assert (tmp_path / "chat_history.json").read_text(encoding="utf-8") == "{not json"
