"""What the user reads, with the real embedder and the real default model, on the bench's library
with known answers: the quick answer carries the fact and its page, a loop is cut, made-up figures
are flagged and supported ones are not, a question about the library cites its documents."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from quire.bench.qa_library import QUESTIONS, has_fact, make_qa_library
from quire.chat.answer import AnswerStream
from quire.chat.profiles import NOT_ASKED, AnswerProfile
from quire.chat.prompt import SYSTEM
from quire.chat.support import check_support
from quire.cli import main as cli_main
from quire.config import Settings
from quire.core import Quire
from quire.providers.base import SamplingOptions


@pytest.fixture(scope="session")
def qa_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("qa-home")
    quire = Quire(Settings.load(home))
    summary = quire.ingest([make_qa_library(tmp_path_factory.mktemp("qa-library"))])
    assert summary.added == 11 and not summary.failed
    return home


@pytest.fixture
def qa(qa_home: Path, monkeypatch: pytest.MonkeyPatch) -> Quire:
    monkeypatch.setenv("QUIRE_HOME", str(qa_home))
    return Quire(Settings.load(qa_home))


def test_the_quick_answer_carries_the_fact_and_cites_its_page(qa: Quire) -> None:
    facts = [q for q in QUESTIONS if q.kind == "fact"]
    carried = [q.question for q in facts if has_fact(qa.ask(q.question, "local").quick.text, q)]
    assert len(carried) >= 0.9 * len(facts), set(q.question for q in facts) - set(carried)
    stream = qa.ask("How long is the sabbatical?", "local")
    first = stream.quick.sentences[0]
    hit = stream.hits[first.n - 1]
    assert (Path(hit.path).name, hit.page) == ("handbook.pdf", 3)
    assert first.text.startswith("Sabbatical: after five years") and first.text in " ".join(hit.text.split())


def test_nothing_is_quoted_when_the_library_does_not_say(qa: Quire) -> None:
    for question in (
        "What is the dress code for the office?",
        "How many parking spaces does the office have?",
    ):
        assert not qa.ask(question, "local").quick.sentences, question


def test_with_nothing_to_quote_the_default_model_is_not_asked_to_guess(qa: Quire) -> None:
    recorded = len(qa.metrics.recent(1000))
    answer = qa.ask("What is the capital of Peru?", "local").result()
    assert answer.answer == NOT_ASKED and answer.stop_reason == "not_found" and answer.notice is None
    assert answer.citations and not answer.support and not answer.unsupported_answer  # nothing to check
    assert len(qa.metrics.recent(1000)) == recorded  # no model wrote it: no figures to compare
    # A question the library answers is written by the model as before.
    assert qa.ask("How long is the sabbatical?", "local").result().stop_reason != "not_found"


def test_a_made_up_figure_is_flagged_and_a_supported_one_is_not(qa: Quire) -> None:
    evidence = qa.ask("What is the nightly hotel limit in London?", "local").evidence
    made_up = check_support("The nightly hotel limit in London is 320 euros.", evidence)
    assert made_up.unsupported == ["320 euros"] and made_up.all_unsupported
    supported = check_support("The nightly hotel limit in London is 250 euros.", evidence)
    assert supported.unsupported == [] and not supported.all_unsupported
    # the supported sentence gets the [n] of the passage that says it
    n = supported.sentences[0].n
    assert n is not None and "250 euros in London" in evidence.hits[n - 1].text
    assert supported.cited_text == f"The nightly hotel limit in London is 250 euros [{n}]."
    falcon = qa.ask("Who leads Project Falcon?", "local").evidence
    names = check_support("Priya Raman leads it with Tomasz Wieczorek.", falcon)
    assert "Tomasz Wieczorek" in names.unsupported and "Priya Raman" not in names.unsupported
    # The handbook spells it ("eight weeks"); the model's digits say the same and are not flagged.
    sabbatical = qa.ask("How long is the sabbatical?", "local").evidence
    assert check_support("The sabbatical lasts 8 weeks.", sabbatical).unsupported == []
    assert check_support("The sabbatical lasts 12 weeks.", sabbatical).unsupported == ["12 weeks"]
    acme = qa.ask("When does the Acme pilot end?", "local").evidence
    assert check_support("The Acme pilot will end on January 1, 2025.", acme).unsupported == ["1"]


@pytest.mark.slow
def test_a_looping_model_is_stopped_and_the_repeat_trimmed(qa: Quire) -> None:
    stream = qa.ask("How long is the sabbatical?", "local")
    # The old way of asking (four whole passages, the generic instructions, greedy, no penalty) sends
    # the default model into a loop on this question; the guard must end it early.
    looping = AnswerStream(
        "What are the main points in my documents?",
        stream.hits,
        [stream.provider],
        profile=AnswerProfile("old", SYSTEM, 4, 300, SamplingOptions(temperature=0.0)),
    )
    pieces = list(looping)
    answer = looping.result()
    assert answer.stop_reason == "repeating" and answer.notice == "stopped: the model was repeating itself"
    assert answer.metrics.output_tokens < 300  # stopped early, not run on to max_tokens
    lines = [re.sub(r"^\W*\d*\W*", "", line) for line in answer.answer.splitlines() if line.strip()]
    assert len(lines) == len(set(lines))  # the repeat is trimmed: no line twice
    assert len(answer.answer) < len("".join(pieces))


@pytest.mark.slow
def test_a_question_about_the_library_cites_its_documents(
    qa: Quire, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        cli_main(["ask", "What are the main points in my documents?", "--provider", "local", "--json"]) == 0
    )
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    assert data["mode"] == "documents"
    names = {Path(c["path"]).name for c in data["citations"]}
    assert len(names) == len(data["citations"]) == 11  # one source per document, each a document
    assert all(c["page"] is None and c["slide"] is None for c in data["citations"])
    quick = data["quick_answer"]
    assert quick["text"].startswith("Your library holds 11 documents.") and quick["n"] == 1
    assert (
        len(quick["sentences"]) == 12
        and "q3-2024-review.pptx (5 slides): Q3 2024 business review" in quick["text"]
    )
    assert sum(c["cited"] for c in data["citations"]) == 11
    assert isinstance(data["support"], list) and data["answer"]
    assert data["stop_reason"] != "repeating" or data["notice"]


@pytest.mark.slow
def test_ask_prints_the_quick_answer_first(qa: Quire, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        cli_main(["ask", "How many days do I have to submit my expense report?", "--provider", "local"]) == 0
    )
    out = capsys.readouterr().out
    first = out.splitlines()[0]
    assert (
        first.startswith("From your documents: Submit the expense report within 30 days") and "[1]" in first
    )
    assert re.search(r"\nlocal · SmolLM2-135M-Instruct\.Q4_1\.gguf · TTFT [\d.]+ s", out)


def test_a_named_period_no_document_is_dated_in_is_answered_from_its_mentions(qa: Quire) -> None:
    # The deck is dated by its file (today); the question's "Q3 2024" is what it reports on.
    stream = qa.ask("What was the revenue in Q3 2024?", "local")
    assert stream.scope_note == "No document is dated Q3 2024: answering from the passages that mention it."
    assert stream.within is None and "4.2 million euros" in stream.quick.text
    # A relative period only a document's date can answer: nothing is dated then, and it says so.
    last_week = qa.ask("What was decided last week?", "local")
    assert not getattr(last_week, "scope_note", None) and not last_week.hits
    assert last_week.result().answer.startswith("Nothing in the library matches “Documents dated")
