"""Conversations kept across restarts, as one JSON file in the data dir (no Qt here)."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEEP_CONVERSATIONS = 50


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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        sources = [Source(**s) for s in data.get("sources", [])]
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "sources"}
        return cls(sources=sources, **known)


@dataclass
class Conversation:
    started: float = field(default_factory=time.time)
    messages: list[Message] = field(default_factory=list)


class ChatHistory:
    """The current conversation plus older ones; saved after every change (small, atomic writes)."""

    def __init__(self, path: Path, persist: bool = True) -> None:
        self.path = path
        self.persist = persist
        self.conversations: list[Conversation] = []
        if persist:
            self._load()
        if not self.conversations:
            self.conversations.append(Conversation())

    @property
    def current(self) -> Conversation:
        return self.conversations[-1]

    def _load(self) -> None:
        if not self.path.exists():
            return
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.conversations = [
                Conversation(c.get("started", 0.0), [Message.from_dict(m) for m in c.get("messages", [])])
                for c in data.get("conversations", [])
            ]
        except (ValueError, TypeError, AttributeError) as exc:
            # a damaged history must not stop the app: keep it aside and start afresh
            log.warning("%s: unreadable chat history (%s); starting a new one", self.path, exc)
            self.path.replace(self.path.with_suffix(".damaged.json"))
            self.conversations = []

    def add(self, message: Message) -> None:
        self.current.messages.append(message)
        self.save()

    def new_conversation(self) -> None:
        if self.current.messages:
            self.conversations.append(Conversation())
            self.conversations = self.conversations[-KEEP_CONVERSATIONS:]
            self.save()

    def save(self) -> None:
        if not self.persist:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {"version": 1, "conversations": [asdict(c) for c in self.conversations]}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(self.path)
