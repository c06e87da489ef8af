"""The chat as the window shows it (Message, Source), kept in the data dir's chats.sqlite3 through
chat/chats.py: the current chat, the list of chats, switching, renaming, deleting. No Qt here.

(Until issue #14 this was one JSON file, chat_history.json; ChatStore imports it on first open.)"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from quire.chat.chats import ChatStore, ChatSummary, Turn

log = logging.getLogger(__name__)


@dataclass
class Source:
    """A citation as the chat shows it, with the passage so it opens without the library."""

    n: int
    path: str
    page: int | None
    slide: int | None
    heading: str | None = None
    text: str = ""
    cited: bool = False  # the answer or the quick answer relies on it: shown first
    quoted: str | None = None  # the sentence of it that the answer relies on: highlighted when opened
    location: str | None = None  # "Sheet1 rows 12–30", "chapter 3"
    date: str | None = None

    @property
    def label(self) -> str:
        if self.page:
            where = f" p.{self.page}"
        elif self.slide:
            where = f" slide {self.slide}"
        elif self.location:
            where = f" {self.location}"
        else:  # a note: its heading says where, shortened to keep the chip small
            heading = (self.heading or "").strip()
            where = f" § {heading[:28]}{'…' if len(heading) > 28 else ''}" if heading else ""
        return f"[{self.n}] {Path(self.path).name}{where}"


@dataclass
class Message:
    role: str  # user | assistant
    text: str
    sources: list[Source] = field(default_factory=list)
    metrics: dict[str, Any] | None = None
    provider: str = ""
    model: str = ""
    notice: str = ""  # fallback, partial answer, import in progress
    error: str = ""
    quick: str = ""  # the quick answer: sentences quoted from the sources, with [n]
    flags: list[str] = field(default_factory=list)  # numbers and names found in no source
    unsupported: bool = False  # the answer's key claims are all missing from the sources
    at: float = field(default_factory=time.time)
    answer_id: int | None = None  # its row in metrics.sqlite3
    rating: bool | None = None  # thumbs up / down, also kept in metrics.sqlite3
    turn_id: int | None = None  # its row in chats.sqlite3, once kept
    data: dict[str, Any] = field(default_factory=dict)  # query, filter, documents_read (chat/plan.py)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        fields = Source.__dataclass_fields__
        sources = [Source(**{k: v for k, v in s.items() if k in fields}) for s in data.get("sources") or []]
        known = {
            k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k not in ("sources", "data")
        }
        extra = {k: v for k, v in data.items() if k not in cls.__dataclass_fields__}
        return cls(sources=sources, data={**extra, **(data.get("data") or {})}, **known)

    @classmethod
    def from_turn(cls, turn: Turn) -> Message:
        return cls.from_dict(
            {**turn.data, "role": turn.role, "text": turn.text, "at": turn.at, "turn_id": turn.id}
        )

    def turn_data(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("role", "text", "at", "data", "turn_id"):
            data.pop(key)
        return {**self.data, **data}


@dataclass
class Conversation:
    id: int | None = None  # None until its first message is kept
    started: float = field(default_factory=time.time)
    messages: list[Message] = field(default_factory=list)


class ChatHistory:
    """The current chat plus the stored ones; each message is written as it is added. A new chat
    is only stored once it has a message (no empty chats in the list)."""

    def __init__(self, path: Path, persist: bool = True) -> None:
        self.path = path
        self.persist = persist
        self.store = ChatStore(path if persist else Path(":memory:"))
        self.current = Conversation()
        chats = self.store.chats(limit=1)
        if chats:  # restored on restart: the chat used last
            self.switch(chats[0].id)

    @property
    def chat_id(self) -> int | None:
        return self.current.id

    def add(self, message: Message) -> None:
        if self.current.id is None:
            self.current.id = self.store.create()
        self.current.messages.append(message)
        message.turn_id = self.store.add_turn(
            self.current.id, message.role, message.text, message.turn_data(), message.at
        )

    def update(self, message: Message) -> None:
        """Keep what changed on a message already kept (its rating)."""
        if message.turn_id is not None:
            self.store.update_turn(message.turn_id, message.turn_data())

    def new_conversation(self) -> None:
        if self.current.messages:
            self.current = Conversation()

    def switch(self, chat_id: int) -> None:
        summary = self.store.get(chat_id)
        messages = [Message.from_turn(turn) for turn in self.store.turns(chat_id)]
        self.current = Conversation(summary.id, summary.created_at, messages)

    def chats(self, search: str = "") -> list[ChatSummary]:
        return self.store.chats(search)

    def rename(self, chat_id: int, title: str) -> None:
        self.store.rename(chat_id, title)

    def delete(self, chat_id: int) -> None:
        self.store.delete(chat_id)
        if self.current.id == chat_id:
            self.current = Conversation()

    def export_markdown(self, chat_id: int) -> str:
        return self.store.export_markdown(chat_id)
