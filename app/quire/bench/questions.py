"""`quire bench --only questions`: questions asked like a person, over the dated meeting library
(bench/meetings.py) with the clock at its TODAY.

- scoped_*: time-scoped questions; each is right when the documents its answer cites (the set it
  read, or the passages' files) are exactly the period's documents;
- set5_*: a set question over 5 documents with the default model, end to end;
- set_notes_*: a set with a document too long to go in whole: the first ask has the model write
  notes on it, the second reads them from the cache;
- followup_*: two-turn pairs; the second turn is right when its retrieval finds the expected
  document first and its filter is the expected one. Rules, then each model's rewrite."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from quire.bench.meetings import (
    FOLLOW_UPS,
    SCOPED_QUESTIONS,
    SET_OF_FIVE,
    TODAY,
    WITH_NOTES,
    DatedDocument,
    FollowUp,
    ScopedQuestion,
    in_range,
    make_meeting_library,
)
from quire.config import Settings

REWRITE_MODELS = ("SmolLM2-135M-Instruct.Q4_1.gguf", "gemma-3-270m-q4_k_m.gguf")


def _clock() -> Any:
    return TODAY


def expected(question: ScopedQuestion, documents: list[DatedDocument]) -> set[str]:
    paths = in_range(documents, question.start, question.end)
    if question.kind:
        paths = {p for p in paths if any(str(d.path) == p and d.kind == question.kind for d in documents)}
    return paths


def open_library(base: Any, work: Path) -> tuple[Any, list[DatedDocument]]:
    """The meeting library imported into its own data dir; the bench's embedder is shared."""
    from quire.core import Quire

    documents = make_meeting_library(work / "meetings")
    settings = Settings.load(work / "meetings-home")
    for key in (
        "embedder.backend",
        "providers.local.threads",
        "providers.local.model",
        "providers.max_tokens",
    ):
        settings.set(key, base.settings.get(key))
    settings.save()
    quire = Quire(settings)
    quire.embedder = base.embedder
    summary = quire.ingest([work / "meetings"])
    if summary.failed:
        raise RuntimeError(f"the meeting library did not import: {summary.failed[:3]}")
    return quire, documents


def cited_documents(stream: Any, answer: Any | None) -> set[str]:
    """The files the answer cites: every source it was given (a set answer: the documents read)."""
    if answer is not None:
        return {c.path for c in answer.citations}
    documents = getattr(stream, "documents", None)
    if documents is not None:
        return {d.path for d in documents}
    return {h.path for h in getattr(stream, "hits", [])}


def measure_scoped(quire: Any, documents: list[DatedDocument], with_model: int) -> dict[str, Any]:
    """Each question planned; the first `with_model` also answered by the default model."""
    exact = answered = mentioned = mentioned_of = 0
    misses = []
    seconds = []
    for n, question in enumerate(SCOPED_QUESTIONS):
        want = expected(question, documents)
        started = time.perf_counter()
        stream = quire.ask(question.text, "local", clock=_clock)
        answer = None
        if n < with_model:
            answer = stream.result()
            answered += 1
            seconds.append(time.perf_counter() - started)
            mentioned += sum(1 for c in answer.citations if c.cited)
            mentioned_of += len(answer.citations)
        got = cited_documents(stream, answer)
        if got == want:
            exact += 1
        else:
            misses.append(
                {"question": question.text, "missing": sorted(want - got), "extra": sorted(got - want)}
            )
    return {
        "scoped_questions": len(SCOPED_QUESTIONS),
        "scoped_exact": exact,
        "scoped_exact_share": round(exact / len(SCOPED_QUESTIONS), 3),
        "scoped_exact_pct": round(100 * exact / len(SCOPED_QUESTIONS), 1),
        "scoped_answered_with_model": answered,
        "scoped_answer_mentions_share": round(mentioned / mentioned_of, 3) if mentioned_of else None,
        "scoped_answer_mean_s": round(sum(seconds) / len(seconds), 2) if seconds else None,
        "scoped_misses": misses,
    }


def measure_set(
    quire: Any, question: ScopedQuestion, prefix: str, documents: list[DatedDocument]
) -> dict[str, Any]:
    """One set question end to end with the default model, asked twice (the second uses cached notes)."""
    figures: dict[str, Any] = {}
    for attempt in ("first", "again"):
        started = time.perf_counter()
        stream = quire.ask(question.text, "local", clock=_clock)
        answer = stream.result()
        total = time.perf_counter() - started
        figures[f"{prefix}_{attempt}_s"] = round(total, 2)
        if attempt == "first":
            figures[f"{prefix}_documents"] = len(getattr(stream, "documents", []))
            figures[f"{prefix}_map_s"] = round(getattr(stream, "map_s", 0.0), 2)
            figures[f"{prefix}_ttft_s"] = answer.metrics.ttft_s
            figures[f"{prefix}_prompt_tokens"] = answer.metrics.prompt_tokens
            figures[f"{prefix}_output_tokens"] = answer.metrics.output_tokens
            figures[f"{prefix}_cites_period"] = {c.path for c in answer.citations} == expected(
                question, documents
            )
            figures[f"{prefix}_read_as"] = sorted(set(getattr(stream, "note_sources", {}).values()))
    return figures


def _prior_for(quire: Any, pair: FollowUp) -> Any:
    from quire.chat.query import PriorTurn, understand

    first = understand(pair.first, clock=_clock)
    within = quire.resolve_filter(first.filter) if first.filter.active else None
    hits = quire.search(first.standalone, 4, within=within)
    return PriorTurn(
        first.question, first.standalone, first.filter, tuple(dict.fromkeys(h.path for h in hits))
    )


def follow_up_right(
    quire: Any, pair: FollowUp, rewrite: Callable[..., Any] | None, by_date: dict[Any, str]
) -> tuple[bool, str, str]:
    from quire.chat.query import understand

    prior = _prior_for(quire, pair)
    query = understand(pair.second, prior, clock=_clock, rewrite=rewrite)
    dates = query.filter.dates
    right_filter = (dates.start, dates.end) == (pair.start, pair.end) if dates else pair.start is None
    right = right_filter and query.set_question == pair.set_question and query.follow_up
    if pair.document is not None:
        within = quire.resolve_filter(query.filter) if query.filter.active else None
        hits = quire.search(query.standalone, 3, within=within)
        right = right and bool(hits) and hits[0].path == by_date[pair.document]
    return right, query.standalone, query.rewritten_by


def measure_follow_ups(quire: Any, documents: list[DatedDocument], models: list[Path]) -> dict[str, Any]:
    from quire.bench.meetings import SPECIAL

    by_date = {d.date: str(d.path) for d in documents if d.date in SPECIAL and d.kind == "note"}
    figures: dict[str, Any] = {"followup_pairs": len(FOLLOW_UPS)}
    results = [follow_up_right(quire, pair, None, by_date) for pair in FOLLOW_UPS]
    figures["followup_rules_right"] = sum(r for r, _, _ in results)
    figures["followup_rules_rewrites"] = [text for _, text, _ in results]
    for path in models:
        from quire.chat.rewrite import model_rewriter
        from quire.providers.local import LocalProvider

        key = (
            "smollm2_135m"
            if "SmolLM2" in path.name
            else "gemma3_270m"
            if "gemma-3-270m" in path.name
            else path.stem
        )
        try:
            provider = LocalProvider(quire.settings, str(path))
        except Exception as exc:  # a figure for the table: the model could not be used here
            figures[f"followup_{key}_error"] = str(exc)
            continue
        rewrite = model_rewriter(provider)
        started = time.perf_counter()
        results = [follow_up_right(quire, pair, rewrite, by_date) for pair in FOLLOW_UPS]
        used = [right for right, _, by in results if by == "model"]
        figures[f"followup_{key}_right"] = sum(
            r for r, _, _ in results
        )  # rules stand in where it gave nothing
        figures[f"followup_{key}_rewrites_used"] = len(used)
        figures[f"followup_{key}_right_when_used"] = sum(used)
        figures[f"followup_{key}_rewrite_mean_s"] = round(
            (time.perf_counter() - started) / len(FOLLOW_UPS), 2
        )
        figures[f"followup_{key}_rewrites"] = [text for _, text, _ in results]
    return figures


def measure_questions(
    base: Any, work: Path, quick: bool, say: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    say("questions: importing the dated meeting library")
    quire, documents = open_library(base, work)
    figures: dict[str, Any] = {"questions_documents": len(documents)}
    say("questions: time-scoped questions")
    # every question is planned; the model answers a few (minutes each on a busy 2-core machine)
    figures.update(measure_scoped(quire, documents, 2 if quick else 4))
    say("questions: a set question over 5 documents")
    figures.update(measure_set(quire, SET_OF_FIVE, "set5", documents))
    say("questions: a set with a long document (notes, then the cache)")
    figures.update(measure_set(quire, WITH_NOTES, "set_notes", documents))
    say("questions: follow-ups (rules, then each model's rewrite)")
    models = [
        folder / name
        for name in REWRITE_MODELS
        for folder in quire.settings.models_dirs
        if (folder / name).is_file()
    ]
    figures.update(measure_follow_ups(quire, documents, list(dict.fromkeys(models))))  # each model we have
    return figures
