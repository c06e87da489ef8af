"""Conversations in SQLite (chats.sqlite3 in the data dir): chats with titles, their turns with
citations and each question as Quire understood it, search over them, export to Markdown.

The app's old single-file history (chat_history.json) is imported once, on first open, and kept
beside as chat_history.json.migrated."""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quire.chat.query import PriorTurn, filter_from_json
from quire.errors import QuireError

log = logging.getLogger(__name__)

TITLE_CHARS = 60
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS chats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    title TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text TEXT NOT NULL,
    at REAL NOT NULL,
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS turns_by_chat ON turns(chat_id, id);
"""


class ChatNotFound(QuireError):
    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id
        super().__init__(f"no chat {chat_id} (see `quire chats`)")


@dataclass(frozen=True)
class ChatSummary:
    id: int
    title: str
    created_at: float
    updated_at: float
    turns: int = 0


@dataclass(frozen=True)
class Turn:
    """One message. `data` keeps what the answer came with: sources (citations with their passage
    and date), metrics, provider, model, notice, error, and the question as understood (`query`,
    `filter`, `documents`)."""

    chat_id: int
    role: str  # user | assistant
    text: str
    at: float
    data: dict[str, Any] = field(default_factory=dict)
    id: int = 0  # its row in the turns table

    @property
    def sources(self) -> list[dict[str, Any]]:
        return list(self.data.get("sources") or [])


class ChatStore:
    def __init__(self, path: Path) -> None:
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA foreign_keys=ON")
        with self._lock, self._db:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(_SCHEMA)
        if str(path) != ":memory:":
            self._migrate_json(path.parent / "chat_history.json")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # Chats ---------------------------------------------------------------------------------------

    def create(self, title: str = "") -> int:
        now = time.time()
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO chats (title, created_at, updated_at) VALUES (?, ?, ?)", (title, now, now)
            )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Reads share the one connection with writes (the app's worker threads ask while the window
        writes), so they take the lock too."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    def get(self, chat_id: int) -> ChatSummary:
        found = self._read(
            "SELECT c.*, (SELECT count(*) FROM turns t WHERE t.chat_id = c.id) AS turns FROM chats c"
            " WHERE c.id = ?",
            (chat_id,),
        )
        row = found[0] if found else None
        if row is None:
            raise ChatNotFound(chat_id)
        return ChatSummary(row["id"], row["title"], row["created_at"], row["updated_at"], row["turns"])

    def chats(self, search: str = "", limit: int = 500) -> list[ChatSummary]:
        """Newest first; `search` matches titles and the text of any turn (case-insensitive)."""
        where, params = "", []
        if search.strip():
            pattern = (
                "%" + search.strip().lower().replace("!", "!!").replace("%", "!%").replace("_", "!_") + "%"
            )
            where = (
                "WHERE lower(c.title) LIKE ? ESCAPE '!' OR EXISTS (SELECT 1 FROM turns t"
                " WHERE t.chat_id = c.id AND lower(t.text) LIKE ? ESCAPE '!')"
            )
            params = [pattern, pattern]
        rows = self._read(
            "SELECT c.*, (SELECT count(*) FROM turns t WHERE t.chat_id = c.id) AS turns FROM chats c "
            f"{where} ORDER BY c.updated_at DESC, c.id DESC LIMIT ?",
            (*params, limit),
        )
        return [ChatSummary(r["id"], r["title"], r["created_at"], r["updated_at"], r["turns"]) for r in rows]

    def rename(self, chat_id: int, title: str) -> None:
        with self._lock, self._db:
            if (
                self._db.execute("UPDATE chats SET title = ? WHERE id = ?", (title.strip(), chat_id)).rowcount
                == 0
            ):
                raise ChatNotFound(chat_id)

    def delete(self, chat_id: int) -> None:
        with self._lock, self._db:
            if self._db.execute("DELETE FROM chats WHERE id = ?", (chat_id,)).rowcount == 0:
                raise ChatNotFound(chat_id)

    # Turns ---------------------------------------------------------------------------------------

    def add_turn(
        self, chat_id: int, role: str, text: str, data: dict[str, Any] | None = None, at: float | None = None
    ) -> int:
        """Keep a message; its turn id (to update what it came with later: a rating)."""
        at = time.time() if at is None else at
        with self._lock, self._db:
            row = self._db.execute("SELECT title FROM chats WHERE id = ?", (chat_id,)).fetchone()
            if row is None:
                raise ChatNotFound(chat_id)
            cursor = self._db.execute(
                "INSERT INTO turns (chat_id, role, text, at, data) VALUES (?, ?, ?, ?, ?)",
                (chat_id, role, text, at, json.dumps(data or {}, ensure_ascii=False, default=str)),
            )
            title = row["title"] or (_title(text) if role == "user" else "")
            self._db.execute("UPDATE chats SET updated_at = ?, title = ? WHERE id = ?", (at, title, chat_id))
        return int(cursor.lastrowid or 0)

    def update_turn(self, turn_id: int, data: dict[str, Any]) -> None:
        """Replace what a kept message came with (its text stays as written)."""
        with self._lock, self._db:
            self._db.execute(
                "UPDATE turns SET data = ? WHERE id = ?",
                (json.dumps(data, ensure_ascii=False, default=str), turn_id),
            )

    def turns(self, chat_id: int) -> list[Turn]:
        self.get(chat_id)  # a clear error for an unknown chat
        rows = self._read("SELECT * FROM turns WHERE chat_id = ? ORDER BY id", (chat_id,))
        return [Turn(r["chat_id"], r["role"], r["text"], r["at"], _load(r["data"]), r["id"]) for r in rows]

    def prior_turn(self, chat_id: int) -> PriorTurn | None:
        """The last question and its answer, as a follow-up needs them."""
        turns = self.turns(chat_id)
        if turns and turns[-1].role == "user":  # the question being asked now (the app keeps it first)
            turns = turns[:-1]
        for index in range(len(turns) - 1, -1, -1):
            if turns[index].role == "user":
                question = turns[index]
                answer = turns[index + 1] if index + 1 < len(turns) else None
                data = answer.data if answer else {}
                query = data.get("query") or {}
                cited = [s["path"] for s in data.get("sources", []) if s.get("cited")]
                cited += [s["path"] for s in data.get("sources", [])]
                return PriorTurn(
                    question.text,
                    query.get("standalone") or question.text,
                    filter_from_json(data.get("filter")),
                    tuple(data.get("documents_read") or dict.fromkeys(cited)),
                    answer.text if answer else "",
                )
        return None

    def recent_messages(self, chat_id: int, exchanges: int = 3) -> list[dict[str, str]]:
        """The last few questions and answers as chat messages, oldest first (for the prompt)."""
        turns = [t for t in self.turns(chat_id) if t.text.strip() and not t.data.get("error")]
        if turns and turns[-1].role == "user":  # the question being asked now
            turns = turns[:-1]
        messages = [{"role": t.role, "content": t.text} for t in turns]
        return messages[-2 * exchanges :]

    # Markdown ------------------------------------------------------------------------------------

    def export_markdown(self, chat_id: int) -> str:
        from quire.chat.chat_export import chat_markdown

        return chat_markdown(self.get(chat_id), self.turns(chat_id))

    # The old JSON history --------------------------------------------------------------------------

    def _migrate_json(self, source: Path) -> None:
        done = self._db.execute("SELECT value FROM meta WHERE key = 'json_migrated'").fetchone()
        if done or not source.exists():
            return
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
            conversations = data.get("conversations", []) if isinstance(data, dict) else []
            with self._lock, self._db:
                for conversation in conversations:
                    messages = [m for m in conversation.get("messages", []) if isinstance(m, dict)]
                    if not messages:
                        continue
                    started = float(conversation.get("started") or time.time())
                    cursor = self._db.execute(
                        "INSERT INTO chats (title, created_at, updated_at) VALUES (?, ?, ?)",
                        ("", started, started),
                    )
                    chat_id = cursor.lastrowid
                    title = ""
                    last = started
                    for message in messages:
                        role = (
                            message.get("role")
                            if message.get("role") in ("user", "assistant")
                            else "assistant"
                        )
                        text = str(message.get("text", ""))
                        at = float(message.get("at") or last)
                        last = at
                        extra = {k: v for k, v in message.items() if k not in ("role", "text", "at")}
                        self._db.execute(
                            "INSERT INTO turns (chat_id, role, text, at, data) VALUES (?, ?, ?, ?, ?)",
                            (chat_id, role, text, at, json.dumps(extra, ensure_ascii=False, default=str)),
                        )
                        if role == "user" and not title:
                            title = _title(text)
                    self._db.execute(
                        "UPDATE chats SET title = ?, updated_at = ? WHERE id = ?", (title, last, chat_id)
                    )
                self._db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('json_migrated', ?)", (str(time.time()),)
                )
        except (ValueError, TypeError, AttributeError) as exc:
            log.warning("%s: unreadable chat history (%s); it is kept as it is", source, exc)
            with self._lock, self._db:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES ('json_migrated', 'unreadable')")
            return
        try:
            source.replace(source.with_name(source.name + ".migrated"))
        except OSError as exc:  # read-only: the meta row keeps it from being imported twice
            log.info("%s: imported, but could not be renamed (%s)", source, exc)


def _title(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


def _load(data: str) -> dict[str, Any]:
    try:
        loaded = json.loads(data)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
