"""Answer quality on a library with known answers (bench/qa_library.py), per model and variant:
how often what the user reads carries the key fact (quick answer, model answer, either), loops and
runaways, the claim check's catches and false alarms, and the time to the quick answer and to the
model's first token from pressing Enter.

"before" answers as Quire did before the quick answer: four passages in retrieval order, the old
instructions, temperature 0.2 with no penalty, 512 tokens, no loop guard."""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from quire.bench.qa_library import QUESTIONS, Question, has_fact, make_qa_library
from quire.chat.answer import AnswerStream
from quire.chat.profiles import AnswerProfile, profile_for
from quire.chat.prompt import SYSTEM
from quire.chat.support import check_support
from quire.providers.base import SamplingOptions

BEFORE = AnswerProfile("before", SYSTEM, sources=4, max_tokens=512, sampling=SamplingOptions(temperature=0.2))
# Gemma 3 270M: the base model (no chat tuning), the one other small GGUF the package index has; its
# parts are joined into models/ by hand (README: Answer quality)
OTHER_MODEL = "gemma-3-270m-q4_k_m.gguf"
_NOT_FOUND = re.compile(
    r"(?i)\b(do(es)? not (say|mention|contain|include|state)|not (in|found in|mentioned)|no information)"
)


def variants(quick: bool) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(label, model file or None for the default, how to answer)."""
    found: list[tuple[str, str | None, dict[str, Any]]] = [("default", None, {})]
    if quick:
        return found
    return [
        ("before", None, {"profile": BEFORE, "loop_guard": False, "quick": False}),
        *found,
        ("default, best sentences only", None, {"focus": True}),
        ("default, no penalty", None, {"sampling": {"repeat_penalty": 1.0, "presence_penalty": 0.0}}),
        (
            "default, repeat penalty 1.15",
            None,
            {"sampling": {"repeat_penalty": 1.15, "presence_penalty": 0.0, "penalty_last_n": 128}},
        ),
        ("default, DRY 0.8", None, {"sampling": {"presence_penalty": 0.0, "dry_multiplier": 0.8}}),
        ("gemma-270m (base model)", OTHER_MODEL, {}),
    ]


def measure_answers(
    home_settings: Any, work: Path, quick: bool, say: Callable[[str], None] = lambda _: None
) -> dict[str, Any]:
    from quire.config import Settings
    from quire.core import Quire
    from quire.providers.local import find_models

    library = make_qa_library(work / "qa-library")
    settings = Settings.load(work / "qa-home")
    for key in ("embedder.backend", "providers.local.threads"):
        settings.set(key, home_settings.get(key))
    quire = Quire(settings)
    quire.ingest([library])
    questions = QUESTIONS[::4] if quick else QUESTIONS
    figures: dict[str, Any] = {"answers_questions": len(questions)}
    figures.update(_check_figures(quire, [q for q in QUESTIONS if q.kind == "fact"]))
    figures.update(_rerank_figures(quire, [q for q in QUESTIONS if q.kind == "fact"]))
    present = {m.name for m in find_models(settings)}
    rows = []
    for label, model, how in variants(quick):
        if model is not None and model not in present:
            figures[f"answers_skipped_{variant_key(label)}"] = f"{model} not in the models folders"
            continue
        say(f"answers: {label} ({len(questions)} questions)")
        rows.append((label, _run(quire, questions, model, how)))
    for label, row in rows:
        figures.update({f"answers_{variant_key(label)}_{k}": v for k, v in row.items()})
    return figures


def variant_key(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", label.casefold()).strip("_")


def _run(quire: Any, questions: list[Question], model: str | None, how: dict[str, Any]) -> dict[str, Any]:
    facts = [q for q in questions if q.kind == "fact"]
    kinds = ("quick", "model", "reads", "loops", "runaways", "flags", "false_alarms", "echoes")
    counts = dict.fromkeys(kinds, 0)
    to_quick, to_first, quick_only, honest_none, library_docs = [], [], [], [], []
    for question in questions:
        started = time.perf_counter()
        stream = quire.ask(question.question, "local", model=model)
        if how.get("quick") is False:  # before: no quick answer, retrieval order, the old prompt
            stream = AnswerStream(
                question.question,
                quire.search(question.question, 4),
                [stream.provider],
                metrics_log=None,
                profile=how["profile"],
                loop_guard=how["loop_guard"],
            )
        elif how.get("sampling") or "focus" in how:
            base = profile_for(stream.provider)
            changed = replace(base, sampling=replace(base.sampling, **how.get("sampling", {})))
            stream = _with_profile(stream, replace(changed, focus=how.get("focus", base.focus)))
        quick_at = time.perf_counter() - started
        first = None
        for _ in stream:
            first = first or time.perf_counter() - started
        answer = stream.result()
        quick_text = answer.quick_answer.text if answer.quick_answer else ""
        echoed = _echoes(answer.answer, stream)
        counts["echoes"] += echoed
        if question.kind == "fact":
            # an answer that repeats the prompt carries the excerpt's fact without answering
            in_quick = has_fact(quick_text, question)
            in_model = has_fact(answer.answer, question) and not echoed
            counts["quick"] += in_quick
            counts["model"] += in_model
            counts["reads"] += in_quick or in_model
            flagged = [t for s in answer.support for t in s.unsupported]
            counts["flags"] += len(flagged)
            counts["false_alarms"] += any(has_fact(t, question) for t in flagged)
        elif question.kind == "none":
            honest_none.append(not quick_text and not echoed and bool(_NOT_FOUND.search(answer.answer)))
        else:
            library_docs.append(len({c.path for c in answer.citations if c.cited}))
        counts["loops"] += answer.stop_reason == "repeating"
        counts["runaways"] += answer.stop_reason == "length"
        if how.get("quick") is not False:
            to_quick.append(quick_at)
            quick_only.append(stream.timings.get("quick_s", 0.0))
        if first is not None:
            to_first.append(first)
    n = max(1, len(facts))
    return {
        "fact_in_quick_pct": round(100 * counts["quick"] / n, 1) if to_quick else None,
        "fact_in_answer_pct": round(100 * counts["model"] / n, 1),
        "fact_read_pct": round(100 * counts["reads"] / n, 1),
        "loops": counts["loops"],
        "runaways": counts["runaways"],
        "flags": counts["flags"],
        "flagged_true_fact": counts["false_alarms"],
        "echoed_prompt": counts["echoes"],
        "not_in_library_honest": f"{sum(honest_none)}/{len(honest_none)}" if honest_none else None,
        "library_question_documents_cited": library_docs[0] if library_docs else None,
        "enter_to_quick_p50_s": _median(to_quick),
        "quick_after_retrieval_p50_ms": _median([1000 * t for t in quick_only], 1),
        "quick_after_retrieval_p95_ms": _p95([1000 * t for t in quick_only]),
        "enter_to_first_token_p50_s": _median(to_first),
    }


def _echoes(answer: str, stream: AnswerStream) -> bool:
    """Whether the answer repeats the prompt (its instructions or excerpt list), as a base model does."""
    system = stream.profile.system if stream.profile is not None else SYSTEM
    return "Excerpts:" in answer or system[:40] in answer


def _with_profile(stream: AnswerStream, profile: AnswerProfile) -> AnswerStream:
    fresh = AnswerStream(
        stream.question,
        stream.hits,
        [stream.provider],
        evidence=stream.evidence,
        quick=stream.quick,
        profile=profile,
    )
    fresh.timings = stream.timings
    return fresh


def _check_figures(quire: Any, facts: list[Question]) -> dict[str, Any]:
    """The claim check alone, on answers made to measure: each quick answer as written (a supported
    answer: any flag is a false alarm) and with its number changed (an invented one: a flag is a catch)."""
    supported = alarms = invented = caught = 0
    for question in facts:
        stream = quire.ask(question.question, "local")
        quick = stream.quick
        if quick is None or not quick.sentences or not has_fact(quick.text, question):
            continue
        text = re.sub(r" \[\d+\]", "", quick.text)
        supported += 1
        alarms += bool(check_support(text, stream.evidence).unsupported)
        changed = _change_a_number(text)
        if changed != text:
            invented += 1
            caught += bool(check_support(changed, stream.evidence).unsupported)
    return {
        "check_supported_answers": supported,
        "check_false_alarm_pct": round(100 * alarms / supported, 1) if supported else None,
        "check_invented_answers": invented,
        "check_caught_pct": round(100 * caught / invented, 1) if invented else None,
    }


def _rerank_figures(quire: Any, facts: list[Question]) -> dict[str, Any]:
    """How often the passage with the fact comes first, in retrieval order and after reranking by
    the best sentence (what the model reads first, and what a 3-source prompt keeps)."""
    first_before = first_after = top3_before = top3_after = 0
    for question in facts:
        stream = quire.ask(question.question, "local")
        reranked = [has_fact(h.text, question) for h in stream.hits]
        retrieved = [has_fact(h.text, question) for h in quire.search(question.question)]
        first_before += bool(retrieved[:1] and retrieved[0])
        first_after += bool(reranked[:1] and reranked[0])
        top3_before += any(retrieved[:3])
        top3_after += any(reranked[:3])
    n = max(1, len(facts))
    return {
        "rerank_fact_first_before_pct": round(100 * first_before / n, 1),
        "rerank_fact_first_after_pct": round(100 * first_after / n, 1),
        "rerank_fact_top3_before_pct": round(100 * top3_before / n, 1),
        "rerank_fact_top3_after_pct": round(100 * top3_after / n, 1),
    }


def _change_a_number(text: str) -> str:
    match = re.search(r"\d[\d,.]*", text)
    if not match:
        return text
    digits = match.group(0).rstrip(".,")
    wrong = str(int(re.sub(r"\D", "", digits) or 0) * 3 + 7)
    return text[: match.start()] + wrong + text[match.start() + len(digits) :]


def _median(values: list[float], digits: int = 3) -> float | None:
    return round(statistics.median(values), digits) if values else None


def _p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1)
