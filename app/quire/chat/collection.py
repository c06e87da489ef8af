"""Questions over a set of documents ("summarize last week's meetings", "what was decided"): read
every matching document instead of the top chunks.

Map: a note per document that fits its share of the model's context: the document itself when it
fits, else notes the model writes (part by part for a long one), cached by content hash so asking
again is fast. Reduce: one answer from those notes through the usual AnswerStream (metrics,
fallback, partial answers), one numbered source per document. Progress is reported per document,
stop() cancels, and a time budget bounds the map: past it, the rest go in by their opening."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quire.chat.answer import Answer, AnswerStream
from quire.chat.metrics import Metrics, MetricsLog
from quire.chat.profiles import profile_for
from quire.chat.quick import Encoder, Evidence, QuickAnswer, quick_per_source
from quire.errors import ProviderUnavailable, QuireError
from quire.providers.base import Provider, SamplingOptions
from quire.search.retrieve import Hit

log = logging.getLogger(__name__)

NOTES_VERSION = "1"  # bump when the notes prompt changes: old notes are then written again
SET_SYSTEM = (
    "You answer a question about a set of the user's documents. Below is one numbered entry per "
    "document, with its date: its text or notes on it. Use every entry that is relevant, cite each "
    "one you use like [1], and say when the documents do not answer the question."
)
NOTES_SYSTEM = (
    "Write brief notes on the document below for answering questions about it later: what it is, "
    "decisions, risks, action items, names, dates and numbers. Plain bullet points, at most {words} words."
)

NOTE_WORDS = 150  # notes on one document: enough to answer from, short enough to write quickly
NOTE_TOKENS = 256
NOTES_SAMPLING = SamplingOptions(temperature=0.1, repeat_penalty=1.15, penalty_last_n=128)


class TooManyDocuments(QuireError):
    def __init__(self, count: int, limit: int, label: str) -> None:
        self.count = count
        self.limit = limit
        where = f" ({label})" if label else ""
        super().__init__(
            f"{count} documents match{where}: more than the {limit} Quire reads for one answer "
            '(collection.max_documents). Narrow it with a date ("last month", "in March 2021"), '
            'a folder ("in the Meetings folder") or a file name, or ask a specific question.'
        )


@dataclass(frozen=True)
class SetDocument:
    path: str
    sha256: str
    date: str | None
    title: str = ""


@dataclass(frozen=True)
class SetProgress:
    done: int
    total: int
    path: str
    stage: str  # reading | noted | answering
    noun: str = "documents"

    def text(self) -> str:
        if self.stage == "answering":
            return f"writing the answer from {self.total} {self._noun()}"
        if self.stage == "noted":
            return f"read {self.done} of {self.total} {self._noun()}"
        return f"reading {min(self.done + 1, self.total)} of {self.total} {self._noun()}"

    def _noun(self) -> str:
        return self.noun if self.total != 1 else self.noun.rstrip("s")


class NotesCache:
    """Per-document notes by (content hash, model, prompt version), in the data dir."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute(
            "CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, sha256 TEXT NOT NULL,"
            " model TEXT NOT NULL, note TEXT NOT NULL, at REAL NOT NULL)"
        )
        return db

    @staticmethod
    def key(sha256: str, model: str, words: int) -> str:
        return hashlib.sha256(f"{sha256}\0{model}\0{words}\0{NOTES_VERSION}".encode()).hexdigest()

    def get(self, key: str) -> str | None:
        with self._lock, self._connect() as db:
            row = db.execute("SELECT note FROM notes WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, sha256: str, model: str, note: str) -> None:
        with self._lock, self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?, ?)", (key, sha256, model, note, time.time())
            )


class SetAnswer:
    """Iterated like an AnswerStream (text as it comes); progress(SetProgress) as documents are read."""

    def __init__(
        self,
        question: str,
        documents: list[SetDocument],
        read_text: Callable[[str], str],
        providers: list[Provider],
        *,
        max_tokens: int,
        temperature: float | None,
        notes: NotesCache,
        time_budget_s: float,
        metrics_log: MetricsLog | None = None,
        progress: Callable[[SetProgress], None] | None = None,
        noun: str = "documents",
        history: list[dict[str, str]] | None = None,
        encoder: Encoder | None = None,
        topic: str | None = None,
    ) -> None:
        if not providers:
            raise ProviderUnavailable("auto", "no provider is configured")
        self.question = question
        self.documents = documents
        self._read_text = read_text
        self._providers = providers
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._notes = notes
        self._budget_s = time_budget_s
        self._log = metrics_log
        self.progress = progress or (lambda _event: None)
        self.noun = noun
        self.history = history or []
        self._encoder = encoder  # for the quick answer and the claim check over what was read
        self._topic = topic or question  # what the quick answer looks for: the question without its dates
        self.quick: QuickAnswer | None = None
        self._stop = threading.Event()
        self.provider: Provider = providers[0]
        self.hits: list[Hit] = []
        self.used_hits: list[Hit] = []
        self.note_sources: dict[str, str] = {}  # path -> text | notes | cached notes | opening
        self.map_s = 0.0
        self._reduce: AnswerStream | None = None
        self._result: Answer | None = None
        self.fallback_from: str | None = None
        self.fallback_reason: str | None = None

    def stop(self) -> None:
        self._stop.set()
        if self._reduce is not None:
            self._reduce.stop()

    @property
    def text(self) -> str:
        return self._reduce.text if self._reduce is not None else ""

    def live_metrics(self) -> Metrics:
        if self._reduce is not None:
            return self._reduce.live_metrics()
        return Metrics(None, round(self.map_s, 4), 0, 0, None)

    def __iter__(self) -> Iterator[str]:
        started = time.perf_counter()
        self.hits = self._map(started)
        self.map_s = time.perf_counter() - started
        self.progress(SetProgress(len(self.documents), len(self.documents), "", "answering", self.noun))
        evidence = Evidence(self._topic, self.hits, self._encoder) if self._encoder else None
        self.quick = quick_per_source(evidence) if evidence is not None else None
        self._reduce = AnswerStream(
            self.question,
            self.hits,
            self._providers,
            max_tokens=self._max_tokens,
            temperature=self._temperature,
            metrics_log=self._log,
            history=self.history,
            system=SET_SYSTEM,
            mode="documents",  # one source per document, none cut off by the passage count
            evidence=evidence,
            quick=self.quick,
        )
        if self._stop.is_set():
            self._reduce.stop()
        try:
            yield from self._reduce
        finally:
            self.provider = self._reduce.provider
            self.fallback_from = self._reduce.fallback_from
            self.fallback_reason = self._reduce.fallback_reason
            self.used_hits = getattr(self._reduce, "used_hits", self.hits)

    def result(self) -> Answer:
        """The finished answer; reads and answers first if nobody iterated."""
        if self._result is None:
            if self._reduce is None:
                for _ in self:
                    pass
            assert self._reduce is not None
            self._result = self._reduce.result()
        return self._result

    # Map ---------------------------------------------------------------------------------------

    def _share(self, provider: Provider) -> int:
        """Tokens each document may take in the reduce prompt."""
        answer = profile_for(provider, self._max_tokens, self._temperature).max_tokens
        room = provider.context_tokens - answer - provider.count_tokens(SET_SYSTEM + self.question) - 96
        room -= sum(provider.count_tokens(m["content"]) for m in self.history[-2:])
        return max(64, room // max(1, len(self.documents)) - 24)

    def _map(self, started: float) -> list[Hit]:
        provider = self._providers[0]
        share = self._share(provider)
        hits: list[Hit] = []
        total = len(self.documents)
        for done, document in enumerate(self.documents):
            self.progress(SetProgress(done, total, document.path, "reading", self.noun))
            text = self._read_text(document.path)
            note, source = text, "text"
            if provider.count_tokens(text) > share:
                over = self._stop.is_set() or time.perf_counter() - started > self._budget_s
                note, source = self._note(provider, document, text, share, over)
            self.note_sources[document.path] = source
            heading = " · ".join(p for p in (document.title, document.date) if p) or None
            hits.append(Hit(document.path, None, None, 1.0, note, heading, date=document.date))
            self.progress(SetProgress(done + 1, total, document.path, "noted", self.noun))
        return hits

    def _note(
        self, provider: Provider, document: SetDocument, text: str, share: int, over: bool
    ) -> tuple[str, str]:
        words = max(30, min(NOTE_WORDS, int(share * 0.6)))
        key = NotesCache.key(document.sha256, f"{provider.name}:{provider.model}", words)
        cached = self._notes.get(key)
        if cached is not None:
            return cached, "cached notes"
        if over:  # cancelled or past the time budget: its opening stands in, and the answer says so
            return _clip(text, provider, share), "opening"
        parts = _parts(text, provider, provider.context_tokens - share - 160)
        pieces = []
        for part in parts:
            if self._stop.is_set():
                return _clip(text, provider, share), "opening"
            budget = min(share, NOTE_TOKENS) // len(parts) + 16
            pieces.append(self._generate(provider, document, part, words // len(parts) + 10, budget))
        note = _clip("\n".join(p for p in pieces if p), provider, share)
        if note.strip():
            self._notes.put(key, document.sha256, f"{provider.name}:{provider.model}", note)
            return note, "notes"
        return _clip(text, provider, share), "opening"

    def _generate(
        self, provider: Provider, document: SetDocument, text: str, words: int, max_tokens: int
    ) -> str:
        heading = " · ".join(p for p in (Path(document.path).name, document.title, document.date) if p)
        messages = [
            {"role": "system", "content": NOTES_SYSTEM.format(words=words)},
            {"role": "user", "content": f"{heading}\n\n{text}"},
        ]
        out: list[str] = []
        try:
            for event in provider.stream(messages, max_tokens=max_tokens, sampling=NOTES_SAMPLING):
                if event.text:
                    out.append(event.text)
                if self._stop.is_set():
                    break
        except ProviderUnavailable as exc:  # the reduce tries the next provider; this note is the opening
            log.info("notes for %s: %s", document.path, exc.reason)
            return ""
        return "".join(out).strip()


def _clip(text: str, provider: Provider, tokens: int) -> str:
    if provider.count_tokens(text) <= tokens:
        return text
    keep = max(1, int(len(text) * tokens / max(1, provider.count_tokens(text)) * 0.95))
    return text[:keep].rsplit(" ", 1)[0] + " …"


def _parts(text: str, provider: Provider, tokens: int, most: int = 8) -> list[str]:
    """The text in pieces of about `tokens` each (at most `most`: a very long document is noted from
    evenly spaced parts, within the time budget)."""
    total = provider.count_tokens(text)
    if total <= tokens:
        return [text]
    size = max(200, int(len(text) * tokens / total))
    parts = [text[i : i + size] for i in range(0, len(text), size)]
    if len(parts) > most:
        step = len(parts) / most
        parts = [parts[int(i * step)] for i in range(most)]
    return parts


def documents_answer_json(stream: Any) -> list[dict[str, Any]]:
    """The `documents` of ask's JSON for a set question: each file read, its date and how."""
    sources = getattr(stream, "note_sources", {})
    return [
        {"path": d.path, "date": d.date, "title": d.title, "read_as": sources.get(d.path)}
        for d in getattr(stream, "documents", [])
    ]
