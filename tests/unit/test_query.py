"""Plain words → date range, scope, set question, follow-up; with an injected clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from quire.chat.query import PriorTurn, explicit_filter, understand
from quire.chat.time_phrases import find_time
from quire.errors import QuireError
from quire.search.filters import DateRange, QueryFilter, Scope

TODAY = dt.date(2021, 10, 27)  # a Wednesday


def clock() -> dt.date:
    return TODAY


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("Summarize last week's customer meetings", "2021-10-18", "2021-10-24"),
        ("what happened this month", "2021-10-01", "2021-10-31"),
        ("what did we decide yesterday?", "2021-10-26", "2021-10-26"),
        ("the notes in March 2021", "2021-03-01", "2021-03-31"),
        ("the last two weeks", "2021-10-14", "2021-10-27"),
        ("revenue in Q3 2024", "2024-07-01", "2024-09-30"),
        ("meetings between 3 March and 10 March", "2021-03-03", "2021-03-10"),
        ("from 2021-01-01 to 2021-02-15", "2021-01-01", "2021-02-15"),
        ("the call on 21 Oct 2021", "2021-10-21", "2021-10-21"),
        ("two weeks ago", "2021-10-11", "2021-10-17"),
        ("last month's reviews", "2021-09-01", "2021-09-30"),
        ("the third quarter of 2020", "2020-07-01", "2020-09-30"),
        ("in 2020", "2020-01-01", "2020-12-31"),
        ("in May", "2021-05-01", "2021-05-31"),
        ("in December", "2020-12-01", "2020-12-31"),  # the most recent one, not the coming one
        ("last Monday", "2021-10-25", "2021-10-25"),
        ("over the past few days", "2021-10-25", "2021-10-27"),
    ],
)
def test_time_phrases_become_ranges(question: str, start: str, end: str) -> None:
    found = find_time(question, TODAY)
    assert found is not None, question
    assert (found.dates.start, found.dates.end) == (d(start), d(end))


def test_open_ranges() -> None:
    since = find_time("what was decided since Monday?", TODAY)
    assert since is not None and (since.dates.start, since.dates.end) == (d("2021-10-25"), None)
    before = find_time("before June 2021", TODAY)
    assert before is not None and (before.dates.start, before.dates.end) == (None, d("2021-05-31"))
    dated = find_time("since the 3rd of March", TODAY)  # read by dateparser
    assert dated is not None and dated.dates.start == d("2021-03-03")


@pytest.mark.parametrize(
    "question",
    ["May I see the plan?", "What does the 2027 plan say?", "Chapter 12 of the report", "How many puffins?"],
)
def test_words_that_name_no_time(question: str) -> None:
    assert find_time(question, TODAY) is None


def test_the_clock_decides_what_last_week_means() -> None:
    later = understand("Summarize last week's meetings", clock=lambda: dt.date(2024, 1, 3))
    assert later.filter.dates == DateRange(d("2023-12-25"), d("2023-12-31"), "last week's")


def test_question_understood_with_its_label() -> None:
    query = understand("Summarize last week's customer meetings and identify risks", clock=clock)
    assert query.set_question
    assert query.standalone == "Summarize customer meetings and identify risks"
    assert query.filter.describe(1) == "Meetings dated 18–24 Oct 2021 · 1 document"
    assert query.filter.describe(3).endswith("· 3 documents")


@pytest.mark.parametrize(
    ("question", "scope"),
    [
        ("What is in my slides about the budget?", Scope(kinds=("slides",))),
        ("What did we decide in the Meetings folder?", Scope(folders=("Meetings",))),
        ("What does report.pdf say about puffins?", Scope(files=("report.pdf",))),
        ('Summarise "Q3 review.pdf"', Scope(files=("Q3 review.pdf",))),
        ("Which risks are listed in my PDFs?", Scope(kinds=("pdf",))),
    ],
)
def test_scope_in_plain_words(question: str, scope: Scope) -> None:
    found = understand(question, clock=clock).filter.scope
    assert (found.kinds, found.folders, found.files) == (scope.kinds, scope.folders, scope.files)


def test_a_file_name_with_a_date_is_a_file_not_a_date() -> None:
    query = understand('Summarise "Q3 review.pdf"', clock=clock)
    assert query.filter.dates is None


@pytest.mark.parametrize(
    ("question", "is_set"),
    [
        ("Summarize last week's meetings", True),
        ("What was decided in March?", True),
        ("List the risks across these meetings", True),
        ("Give me an overview of the Stark review", True),
        ("How many puffins were counted?", False),
        ("When is the Hooli renewal due?", False),
    ],
)
def test_set_questions(question: str, is_set: bool) -> None:
    assert understand(question, clock=clock).set_question is is_set


def _prior(question: str, documents: tuple[str, ...] = ()) -> PriorTurn:
    first = understand(question, clock=clock)
    return PriorTurn(first.question, first.standalone, first.filter, documents)


def test_follow_up_carries_the_subject() -> None:
    prior = _prior("Who leads the Initech migration?")
    query = understand("and how long does it last?", prior, clock=clock)
    assert query.follow_up and query.rewritten_by == "rules"
    assert "initech" in query.standalone.lower() and "migration" in query.standalone.lower()
    assert "last" in query.standalone


def test_follow_up_replaces_the_date_and_keeps_the_rest() -> None:
    prior = _prior("What risks did Globex raise in 2021?")
    query = understand("what about 2020?", prior, clock=clock)
    assert query.filter.dates == DateRange(d("2020-01-01"), d("2020-12-31"), "2020")
    assert "globex" in query.standalone.lower()


def test_follow_up_keeps_the_filter_it_does_not_restate() -> None:
    prior = _prior("Summarize last week's meetings")
    query = understand("and the risks?", prior, clock=clock)
    assert query.filter.dates is not None and query.filter.dates.start == d("2021-10-18")
    cleared = understand("and the risks at any time?", prior, clock=clock)
    assert cleared.filter.dates is None


def test_follow_up_about_that_deck_names_the_document() -> None:
    prior = _prior("What is the Falcon budget?", ("/lib/deck.pptx", "/lib/report.pdf"))
    query = understand("summarise that deck", prior, clock=clock)
    assert query.set_question and query.filter.scope.files == ("/lib/deck.pptx",)


def test_a_new_question_is_not_a_follow_up() -> None:
    prior = _prior("Who leads the Initech migration?")
    query = understand("How much did Umbrella approve for the rollout budget?", prior, clock=clock)
    assert not query.follow_up and "initech" not in query.standalone.lower()


def test_explicit_filter_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "Meetings").mkdir()
    found = explicit_filter(
        "2021-10-01", "last monday", ["slides", str(tmp_path / "Meetings"), "x.pdf"], clock
    )
    assert found is not None and found.explicit
    assert found.dates is not None and (found.dates.start, found.dates.end) == (
        d("2021-10-01"),
        d("2021-10-25"),
    )
    assert found.scope.kinds == ("slides",)
    assert found.scope.folders == (str(tmp_path / "Meetings"),)
    assert found.scope.files == ("x.pdf",)
    assert explicit_filter(None, None, None, clock) is None
    with pytest.raises(QuireError, match="--since 'someday'"):
        explicit_filter("someday", None, None, clock)
    with pytest.raises(QuireError, match="is after"):
        explicit_filter("2021-10-05", "2021-10-01", None, clock)


def test_an_explicit_filter_replaces_the_words() -> None:
    explicit = QueryFilter(DateRange(d("2020-01-01"), d("2020-01-31")), explicit=True)
    query = understand("Summarize last week's meetings", clock=clock, explicit=explicit)
    assert query.filter.dates == explicit.dates


def test_labels_for_spans() -> None:
    assert DateRange(d("2021-10-18"), d("2021-10-24")).label() == "18–24 Oct 2021"
    assert DateRange(d("2021-10-01"), d("2021-10-31")).label() == "Oct 2021"
    assert DateRange(d("2024-07-01"), d("2024-09-30")).label() == "Q3 2024"
    assert DateRange(d("2021-01-01"), d("2021-12-31")).label() == "2021"
    assert DateRange(d("2021-09-28"), d("2021-10-04")).label() == "28 Sep – 4 Oct 2021"
    assert DateRange(d("2020-12-28"), d("2021-01-03")).label() == "28 Dec 2020 – 3 Jan 2021"
    assert DateRange(d("2021-10-25"), None).label() == "since 25 Oct 2021"


def test_files_sql_keeps_what_the_scope_names() -> None:
    import sqlite3

    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE files (path TEXT, kind TEXT, doc_date TEXT)")
    rows = [
        ("/lib/Meetings/a.md", "note", "2021-10-19"),
        ("/lib/Meetings/b.md", "note", "2021-09-01"),
        ("/lib/Decks/kickoff.pptx", "slides", "2021-10-22"),
        ("/lib/report.pdf", "pdf", "2021-10-20"),
        ("/lib/Meetings_old/c.md", "note", "2021-10-20"),
    ]
    db.executemany("INSERT INTO files VALUES (?, ?, ?)", rows)

    def kept(query_filter: QueryFilter) -> set[str]:
        where, params = query_filter.files_sql()
        return {r[0] for r in db.execute(f"SELECT path FROM files WHERE {where or '1'}", params)}

    week = DateRange(d("2021-10-18"), d("2021-10-24"))
    assert kept(QueryFilter(week)) == {
        "/lib/Meetings/a.md",
        "/lib/Decks/kickoff.pptx",
        "/lib/report.pdf",
        "/lib/Meetings_old/c.md",
    }
    assert kept(QueryFilter(week, Scope(folders=("meetings",)))) == {"/lib/Meetings/a.md"}
    assert kept(QueryFilter(None, Scope(kinds=("slides",)))) == {"/lib/Decks/kickoff.pptx"}
    assert kept(QueryFilter(None, Scope(files=("report",)))) == {"/lib/report.pdf"}
    assert kept(QueryFilter(None, Scope(files=("report.pdf",)))) == {"/lib/report.pdf"}
    assert kept(QueryFilter(None, Scope(folders=("/lib/Meetings",)))) == {
        "/lib/Meetings/a.md",
        "/lib/Meetings/b.md",
    }
