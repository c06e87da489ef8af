"""The dated meeting library (57 generated documents over two years), imported once: document
dates and their sources, date and scope filters on both search halves, set questions, chats
through the CLI, and an older catalog migrated."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from helpers import run_cli
from quire.bench.meetings import SCOPED_QUESTIONS, TODAY, DatedDocument, in_range, make_meeting_library
from quire.bench.questions import expected
from quire.config import Settings
from quire.core import Quire
from quire.search.filters import DateRange, QueryFilter, Scope, VectorFilter

WEEK = DateRange(TODAY.replace(day=18), TODAY.replace(day=24))  # 18–24 Oct 2021


@pytest.fixture(scope="session")
def meetings(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[DatedDocument]]:
    """(library folder, indexed data dir, ground truth)."""
    folder = tmp_path_factory.mktemp("meetings")
    documents = make_meeting_library(folder)
    home = tmp_path_factory.mktemp("meetings-home")
    (home / "config.toml").write_text('[providers]\nmax_tokens = 48\ndefault = "local"\n', encoding="utf-8")
    summary = Quire(Settings.load(home)).ingest([folder])
    assert summary.added == len(documents) >= 40 and not summary.failed
    return folder, home, documents


@pytest.fixture
def dated(meetings: tuple[Path, Path, list[DatedDocument]], quire_home: Path) -> Quire:
    """A Quire over a private copy of the indexed meeting library."""
    shutil.copytree(meetings[1], quire_home)
    return Quire(Settings.load(quire_home))


def clock() -> Any:
    return TODAY


def test_every_document_has_its_date_and_source(dated: Quire, meetings: Any) -> None:
    truth = {str(d.path): (d.date.isoformat(), d.source) for d in meetings[2]}
    found = {r.path: (r.doc_date, r.date_source) for r in dated.catalog.files()}
    assert found == truth
    assert {source for _, source in truth.values()} == {
        "title", "file name", "front matter", "modified", "pdf metadata", "pptx properties",
    }  # fmt: skip
    status = dated.status(providers=False)
    assert status["dates"]["oldest"] == "2020-01-08" and status["dates"]["newest"] == "2021-10-26"


def test_chroma_where_on_the_date(dated: Quire, meetings: Any) -> None:
    """The vector half alone: a `where` on the chunks' date metadata keeps only the week."""
    store = dated.store
    vector = dated.embedder.encode(["risks raised by the customer"])[0]
    ids = [i for i, _ in store.query(vector, 60, VectorFilter(date_from=20211018, date_to=20211024))]
    paths = {c.path for c in dated.catalog.chunks_by_id(ids).values()}
    assert paths == in_range(meetings[2], WEEK.start, WEEK.end)
    everything = {c.path for c in dated.catalog.chunks_by_id(i for i, _ in store.query(vector, 60)).values()}
    assert everything - paths  # without the filter other dates come first


def test_fts5_joined_with_the_catalog(dated: Quire, meetings: Any) -> None:
    """The word half alone: FTS5 joined with files keeps the week, and the scope."""
    where, params = QueryFilter(WEEK).files_sql()
    ids = dated.catalog.full_text_search_where("risks raised", 60, where, params)
    found = {c.path for c in dated.catalog.chunks_by_id(ids).values()}
    week = in_range(meetings[2], WEEK.start, WEEK.end)
    assert {p for p in week if p.endswith(".md")} <= found <= week  # every note has a Risks section
    assert len(dated.catalog.full_text_search("risks raised", 60)) > len(ids)
    where, params = QueryFilter(None, Scope(kinds=("slides",))).files_sql()
    ids = dated.catalog.full_text_search_where("offline mode targets", 20, where, params)
    assert {Path(c.path).suffix for c in dated.catalog.chunks_by_id(ids).values()} == {".pptx"}


@pytest.mark.parametrize(
    ("query_filter", "allowed"),
    [
        (QueryFilter(WEEK), lambda d: WEEK.start <= d.date <= WEEK.end),
        (QueryFilter(None, Scope(folders=("Meetings",))), lambda d: d.path.parent.name == "Meetings"),
        (
            QueryFilter(WEEK, Scope(kinds=("note",))),
            lambda d: WEEK.start <= d.date <= WEEK.end and d.kind == "note",
        ),
    ],
)
def test_hybrid_search_within_a_filter(
    dated: Quire, meetings: Any, query_filter: QueryFilter, allowed: Any
) -> None:
    keep = {str(d.path) for d in meetings[2] if allowed(d)}
    hits = dated.search("customer risks and decisions", 8, filter=query_filter)
    assert hits and {h.path for h in hits} <= keep
    dates = {str(d.path): d.date.isoformat() for d in meetings[2]}
    assert all(h.date == dates[h.path] for h in hits)  # every hit carries its document's date


def test_a_store_without_dates_falls_back_to_naming_the_files(dated: Quire, meetings: Any) -> None:
    """Chunks imported before dates existed: the vector half is asked for the files, not a date."""
    with sqlite3.connect(dated.settings.catalog_path) as db:
        db.execute("DELETE FROM store_dates")
    resolved = dated.resolve_filter(QueryFilter(WEEK))
    assert resolved.vector.date_from is None and resolved.vector.paths is not None
    assert set(resolved.vector.paths) == in_range(meetings[2], WEEK.start, WEEK.end)
    hits = dated.search("risks", 6, within=resolved)
    assert hits and {h.path for h in hits} <= resolved.paths
    dated.date_library()  # the next import (or refresh) gives the chunks their dates
    assert dated.resolve_filter(QueryFilter(WEEK)).vector.date_from == 20211018


def test_an_older_catalog_gains_dates(tmp_path: Path, meetings: Any) -> None:
    """A catalog made before the date columns: opened, migrated, dated, nothing lost."""
    home = tmp_path / "old"
    shutil.copytree(meetings[1], home)
    with sqlite3.connect(home / "catalog.sqlite3") as db:
        db.execute("DROP INDEX files_by_date")
        db.execute("DROP TABLE store_dates")
        for column in ("doc_date", "date_source", "date_sha"):
            db.execute(f"ALTER TABLE files DROP COLUMN {column}")
    quire = Quire(Settings.load(home))
    assert len(quire.catalog.files()) == len(meetings[2])
    assert all(r.doc_date is None for r in quire.catalog.files())
    hits = quire.search("risks", 6, filter=QueryFilter(WEEK))  # dated on first use of a date filter
    assert hits and {h.path for h in hits} <= in_range(meetings[2], WEEK.start, WEEK.end)
    assert {r.path: r.doc_date for r in quire.catalog.files()} == {
        str(d.path): d.date.isoformat() for d in meetings[2]
    }


@pytest.mark.parametrize("question", SCOPED_QUESTIONS, ids=lambda q: q.text[:40])
def test_time_scoped_questions_read_the_periods_documents(dated: Quire, meetings: Any, question: Any) -> None:
    """What each answer would cite, without running the model: the period's documents exactly."""
    stream = dated.ask(question.text, "local", clock=clock)
    read = (
        {d.path for d in stream.documents} if hasattr(stream, "documents") else {h.path for h in stream.hits}
    )
    assert read == expected(question, meetings[2])


def test_a_range_with_no_documents_says_so(dated: Quire) -> None:
    stream = dated.ask("What did we decide in July 2019?", "local", clock=clock)
    text = "".join(stream)
    answer = stream.result()
    assert "Nothing in the library matches “Documents dated Jul 2019”" in text
    assert "does not answer from other dates" in text and "2020-01-08 to 2021-10-26" in text
    assert answer.citations == [] and answer.provider == "quire"


def test_too_many_documents_asks_to_narrow_it(dated: Quire, meetings: Any) -> None:
    dated.settings.set("collection.max_documents", 10)
    stream = dated.ask("Summarize the meetings in 2020", "local", clock=clock)
    text = "".join(stream)
    count = len(in_range(meetings[2], TODAY.replace(2020, 1, 1), TODAY.replace(2020, 12, 31)))
    assert text.startswith(
        f"{count} documents match (Meetings dated 2020 · {count} documents): more than the 10"
    )
    assert "Narrow it with a date" in text and stream.result().citations == []


@pytest.mark.slow
def test_a_set_question_cites_exactly_the_periods_documents(
    dated: Quire, meetings: Any, default_model: Path
) -> None:
    events: list[Any] = []
    stream = dated.ask("What was decided since Monday?", "local", clock=clock, progress=events.append)
    answer = stream.result()
    want = in_range(meetings[2], TODAY.replace(day=25), None)
    assert len(want) == 2
    assert {c.path for c in answer.citations} == want
    assert [e.text() for e in events] == [
        "reading 1 of 2 documents", "read 1 of 2 documents",
        "reading 2 of 2 documents", "read 2 of 2 documents", "writing the answer from 2 documents",
    ]  # fmt: skip
    assert answer.answer and not answer.error
    # before the model's answer: each document's own sentence on what was decided, named and cited
    quick = answer.quick_answer
    assert quick is not None and quick.sentences and quick.separator == "\n"
    for sentence in quick.sentences:
        hit = stream.hits[sentence.n - 1]
        assert hit.path in want and sentence.label == Path(hit.path).name
        assert " ".join(sentence.text.split()) in " ".join(hit.text.split())


@pytest.mark.slow
def test_cli_chat_follow_up_export_and_delete(
    dated: Quire, quire_home: Path, meetings: Any, default_model: Path
) -> None:
    env = {"QUIRE_HOME": str(quire_home)}
    since = len(in_range(meetings[2], TODAY.replace(day=18), None))
    first = run_cli("ask", "When is the Hooli renewal due?", "--since", "2021-10-18", "--json", env=env)
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    chat = data["chat"]
    assert data["filter"]["label"] == f"Documents since 18 Oct 2021 · {since} documents"
    assert data["citations"] and all(c["path"] for c in data["citations"])
    second = run_cli("ask", "and what discount do they want?", "--chat", str(chat), "--json", env=env)
    assert second.returncode == 0, second.stderr
    follow = json.loads(second.stdout)
    assert follow["chat"] == chat and follow["query"]["follow_up"] is True
    assert "hooli" in follow["query"]["standalone"].lower()
    assert follow["filter"]["dates"]["since"] == "2021-10-18"  # carried from the first turn
    listed = json.loads(run_cli("chats", "--json", env=env).stdout)["chats"]
    assert [(c["id"], c["title"], c["turns"]) for c in listed] == [
        (chat, "When is the Hooli renewal due?", 4)
    ]
    out = quire_home / "chat.md"
    exported = run_cli("chats", "export", str(chat), "-o", str(out), env=env)
    assert exported.returncode == 0, exported.stderr
    markdown = out.read_text(encoding="utf-8")
    assert "## and what discount do they want?" in markdown and "hooli-meeting-51.md" in markdown
    assert f"*Within: Documents since 18 Oct 2021 · {since} documents*" in markdown
    assert run_cli("chats", "delete", str(chat), env=env).returncode == 0
    missing = run_cli("chats", "show", str(chat), env=env)
    assert missing.returncode == 1 and f"no chat {chat}" in missing.stderr


def test_cli_search_with_dates_and_scope(dated: Quire, quire_home: Path, meetings: Any) -> None:
    env = {"QUIRE_HOME": str(quire_home)}
    found = run_cli("search", "risks", "--since", "2021-10-18", "--until", "2021-10-24", "--json", env=env)
    assert found.returncode == 0, found.stderr
    data = json.loads(found.stdout)
    assert data["filter"]["label"] == "Documents dated 18–24 Oct 2021 · 4 documents"
    assert data["hits"] and all("2021-10-18" <= h["date"] <= "2021-10-24" for h in data["hits"])
    decks = json.loads(run_cli("search", "targets", "--in", "slides", "--json", env=env).stdout)
    assert {Path(h["path"]).suffix for h in decks["hits"]} == {".pptx"}
    bad = run_cli("search", "risks", "--since", "someday", env=env)
    assert bad.returncode == 1 and "--since 'someday'" in bad.stderr
