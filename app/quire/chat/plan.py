"""Which way a question goes: understood in its chat (chat/query.py), limited by its filter, then
answered from the top chunks (AnswerStream), from every document of a set (SetAnswer), or not at
all when the filter keeps no document or too many (a NoticeStream that says so)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from quire.chat.answer import Answer
from quire.chat.collection import NotesCache, SetAnswer, SetDocument, SetProgress, TooManyDocuments
from quire.chat.metrics import Metrics
from quire.chat.query import Query, QueryFilter, understand
from quire.library.dates import title_line
from quire.search.filters import ResolvedFilter


class NoticeStream:
    """An answer Quire gives itself, without a model: "No documents are dated 18–24 Oct 2021."."""

    def __init__(self, question: str, sentence: str) -> None:
        self.question = question
        self.sentence = sentence
        self.hits: list[Any] = []
        self.used_hits: list[Any] = []
        self.fallback_from: str | None = None
        self.fallback_reason: str | None = None
        self.provider = _Nobody()

    def __iter__(self) -> Iterator[str]:
        yield self.sentence

    def stop(self) -> None:
        pass

    @property
    def text(self) -> str:
        return self.sentence

    def live_metrics(self) -> Metrics:
        return Metrics(None, 0.0, 0, 0, None)

    def result(self) -> Answer:
        return Answer(self.sentence, [], "quire", "", None, Metrics(None, 0.0, 0, 0, None))


class _Nobody:
    name = "quire"
    model = ""


def no_documents_sentence(within: ResolvedFilter, library_span: dict[str, Any]) -> str:
    label = within.filter.describe() or "that filter"
    oldest, newest = library_span.get("oldest"), library_span.get("newest")
    span = f" The library's documents are dated {oldest} to {newest}." if oldest and newest else ""
    return (
        f"Nothing in the library matches “{label}”, so there is nothing to answer from: Quire does not "
        f"answer from other dates or files.{span} Remove the filter or ask about another period."
    )


def plan_answer(
    quire: Any,
    question: str,
    chain: list[Any],
    k: int,
    *,
    chat: int | None = None,
    explicit: QueryFilter | None = None,
    clock: Callable[[], dt.date] | None = None,
    progress: Callable[[SetProgress], None] | None = None,
) -> Any:
    """The stream that answers `question` (`quire` is a core.Quire). It carries .query (the Query),
    .within (the ResolvedFilter or None), .chat (the id) and, for set questions, .documents."""
    from quire.chat.query import today

    prior = quire.chats.prior_turn(chat) if chat is not None else None
    history = quire.chats.recent_messages(chat) if chat is not None else []
    rewrite = None
    if prior is not None and quire.settings.get("chat.rewrite") == "model":
        from quire.chat.rewrite import model_rewriter

        rewrite = model_rewriter(chain[0])
    query: Query = understand(question, prior, clock or today, explicit=explicit, rewrite=rewrite)
    within = quire.resolve_filter(query.filter) if query.filter.active else None
    stream: Any
    period = _named_period(question, query.standalone) if within is not None and not within.files else ""
    if period and query.filter.scope.empty and not query.set_question and quire.catalog.mentions(period):
        # "What was the revenue in Q3 2024?": no document is dated then, but the period is what
        # the question asks about, and documents name it. Answer from those passages, and say so.
        stream = quire.passage_answer(question, chain, k, question, None, history)
        stream.scope_note = f"No document is dated {period}: answering from the passages that mention it."
        within = None
    elif within is not None and not within.files:
        stream = NoticeStream(question, no_documents_sentence(within, quire.catalog.date_span()))
    elif query.set_question and within is not None:  # "summarize last week's meetings": read them all
        stream = _set_stream(quire, query, within, chain, history, progress)
    else:
        stream = quire.passage_answer(question, chain, k, query.standalone, within, history)
    stream.query = query
    stream.within = within
    stream.chat = chat
    return stream


def _set_stream(
    quire: Any,
    query: Query,
    within: ResolvedFilter,
    chain: list[Any],
    history: list[dict[str, str]],
    progress: Callable[[SetProgress], None] | None,
) -> Any:
    """Every document the filter keeps, read whole. (Without a filter a summary goes the passage
    way: a question about whole documents answers from their overviews, see chat/documents.py.)"""
    get = quire.settings.get
    files = [(f.path, f.sha256, f.date) for f in within.files]
    limit = get("collection.max_documents")
    if len(files) > limit:
        return NoticeStream(query.question, str(TooManyDocuments(len(files), limit, within.describe())))
    from quire.chat.metrics import AnswerRecorder

    documents = [SetDocument(path, sha, date, _title(quire, path)) for path, sha, date in files]
    recorder = AnswerRecorder(quire.metrics, chain)  # the model's facts with the figures; rated later
    stream = SetAnswer(
        query.question,
        documents,
        lambda path: _document_text(quire, path),
        chain,
        max_tokens=get("providers.max_tokens"),
        temperature=quire._temperature(),
        notes=NotesCache(quire.settings.home / "notes.sqlite3"),
        time_budget_s=get("collection.time_budget_s"),
        metrics_log=recorder,  # type: ignore[arg-type]  # MetricsLog.record's shape, as core.py
        progress=progress,
        noun=query.filter.subject or "documents",
        history=history,
        encoder=quire.embedder,
        topic=query.standalone,
    )
    quire._recorders[stream] = recorder
    return stream


_ABSOLUTE = re.compile(
    r"(?i)^(q[1-4]|h[12]|\d{4}|\d{1,2}|jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|"
    r"sep(t(ember)?)?|oct(ober)?|nov(ember)?|dec(ember)?)$"
)


def _named_period(question: str, standalone: str) -> str:
    """The calendar words the filter took out of the question ("Q3 2024", "March 2025"), when they
    name a period outright; "" for relative ones ("last week"), which only a document date answers."""
    kept = {w.casefold() for w in re.findall(r"\w+", standalone)}
    taken = [w for w in re.findall(r"\w+", question) if w.casefold() not in kept]
    named = [w for w in taken if _ABSOLUTE.match(w)]
    return " ".join(named) if named and any(not w.isdigit() or len(w) == 4 for w in named) else ""


def _title(quire: Any, path: str) -> str:
    return title_line(quire.catalog.opening(path, 400))[:100] or Path(path).stem


def _document_text(quire: Any, path: str) -> str:
    """The document as indexed, page and slide marks kept so the notes can say where."""
    parts = []
    for text, page, slide, _heading in quire.catalog.document_text(path):
        mark = f"(p.{page}) " if page else f"(slide {slide}) " if slide else ""
        parts.append(mark + text)
    return "\n\n".join(parts)


def turn_data(stream: Any, answer: Answer) -> dict[str, Any]:
    """What a chat keeps with an answer (chat/chats.py): sources with their passage and date, the
    question as understood and its filter, and for a set question the documents read."""
    from dataclasses import asdict

    hits = getattr(stream, "used_hits", None) or getattr(stream, "hits", [])
    sources = []
    for citation in answer.citations:
        hit = hits[citation.n - 1] if citation.n <= len(hits) else None
        sources.append(
            {
                "n": citation.n,
                "path": citation.path,
                "page": citation.page,
                "slide": citation.slide,
                "heading": citation.heading,
                "cited": citation.cited,
                "text": hit.text if hit is not None else "",
                "date": getattr(hit, "date", None),
            }
        )
    data: dict[str, Any] = {
        "sources": sources,
        "metrics": asdict(answer.metrics),
        "provider": answer.provider,
        "model": answer.model,
        "error": answer.error or "",
    }
    return {**data, **stream_context(stream)}


def stream_context(stream: Any) -> dict[str, Any]:
    """What a follow-up needs from an answer: the question as understood, its filter, and for a
    set question the documents read."""
    from quire.chat.collection import documents_answer_json

    query = getattr(stream, "query", None)
    within = getattr(stream, "within", None)
    data: dict[str, Any] = {
        "query": query.to_json() if query is not None else None,
        "filter": _filter_json(query, within),
    }
    documents = documents_answer_json(stream)
    if documents:
        data["documents_read"] = [d["path"] for d in documents]
    return data


def _filter_json(query: Any, within: ResolvedFilter | None) -> dict[str, Any] | None:
    if within is not None:
        data = within.filter.to_json() or {}
        return {**data, "label": within.describe(), "documents": len(within.files)}
    return query.filter.to_json() if query is not None else None
